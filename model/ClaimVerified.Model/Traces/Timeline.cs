using System.Text.RegularExpressions;
using ClaimVerified.Model.Workloads;
using ClaimVerified.Specification;
using ClaimVerified.Specification.Properties;

namespace ClaimVerified.Model.Traces;

/// <summary>One event of a timeline: an operation's call, its return, or both at once when nothing came between.</summary>
public sealed record TimelineEvent(int Step, string Actor, TimelineEventKind Kind, string Operation, string? Result, string? HostAfter, bool Breaks);

public enum TimelineEventKind
{
    /// <summary>The call and its return, with nothing in between.</summary>
    Whole,
    Call,
    Return,

    /// <summary>A call not returned when the property broke: its effects so far are in the host counters after it.</summary>
    InFlight,
}

/// <summary>
/// A counterexample for humans: the actors, every operation's call and return in scheduled order, the host's counters
/// after each return, the calls still in flight when it broke, and the event where the property was seen broken. The text, Mermaid and SVG renderings are all
/// made from this one model, so they cannot disagree.
/// </summary>
public sealed partial class Timeline
{
    public Timeline(string profile, string scenario, string? message, IReadOnlyList<HistoryEntry> entries, IReadOnlyList<string>? configuration = null,
        IReadOnlyList<PendingCall>? inFlight = null)
    {
        inFlight ??= [];
        Configuration = configuration ?? [];
        Profile = profile;
        Scenario = scenario;
        Message = message;
        Actors = entries.Select(e => e.Actor).Concat(inFlight.Select(p => p.Actor)).Distinct().ToArray();
        var breaking = BreakingEntry(message, entries);
        var events = new List<TimelineEvent>();
        foreach (var entry in entries)
        {
            var interleaved = entries.Any(other => other != entry && other.ReturnStep > entry.CallStep && other.ReturnStep < entry.ReturnStep)
                || entries.Any(other => other != entry && other.CallStep > entry.CallStep && other.CallStep < entry.ReturnStep);
            var host = Compact(entry.After);
            var breaks = entry.Index == breaking;
            if (interleaved)
            {
                events.Add(new TimelineEvent(entry.CallStep, entry.Actor, TimelineEventKind.Call, entry.Operation, null, null, false));
                events.Add(new TimelineEvent(entry.ReturnStep, entry.Actor, TimelineEventKind.Return, entry.Operation, entry.Result.ToString(), host, breaks));
            }
            else
            {
                events.Add(new TimelineEvent(entry.ReturnStep, entry.Actor, TimelineEventKind.Whole, entry.Operation, entry.Result.ToString(), host, breaks));
            }
        }

        // A call in flight changed the host without a return to show it (a flush that has taken the page and not yet
        // freed it): without it, the counters of the next row would move with no operation to explain them.
        events.AddRange(inFlight.Select(p => new TimelineEvent(p.CallStep, p.Actor, TimelineEventKind.InFlight, p.Operation, null, null, false)));
        Events = events.OrderBy(e => e.Step).ToArray();
    }

    public string Profile { get; }

    /// <summary>The generated configuration the execution followed, one line each (empty for a staged scenario).</summary>
    public IReadOnlyList<string> Configuration { get; }

    public string Scenario { get; }

    public string? Message { get; }

    public IReadOnlyList<string> Actors { get; }

    public IReadOnlyList<TimelineEvent> Events { get; }

    public string Title => $"{Profile} · {Scenario}" + (Message is null ? "" : $" · {PropertyIdsOf(Message)}");

    private static string PropertyIdsOf(string message) => ViolationMessage.PropertyOf(message) is { } id ? ViolationMessage.Tag(id) : "";

    /// <summary>The counters an engineer reads first: free and outstanding, then each domain.</summary>
    public static string Compact(HostSnapshot s)
    {
        var domains = string.Join(" ", s.Domains.Select(d =>
            $"d{d.Id}:{StateLetter(d.State)} tot={d.DomainTotPages}/{d.MaxPages}"
            + (d.ExtraPages > 0 ? $"+x{d.ExtraPages}" : "")
            + (d.OutstandingPages > 0 ? $" claim={d.OutstandingPages}" : "")
            + (d.PagesInFlight > 0 ? $" inflight={d.PagesInFlight}" : "")));
        var extras = (s.OfflinedPages > 0 ? $" offlined={s.OfflinedPages}" : "")
            + (s.SharedPages > 0 ? $" shared={s.SharedPages}" : "")
            + (s.XenHeapPages > 0 ? $" xen={s.XenHeapPages}" : "")
            + (s.TmemEphemeralPages > 0 ? $" tmem={s.TmemEphemeralPages}" : "")
            + (s.TmemFreeListPages > 0 ? $" tmem-list={s.TmemFreeListPages}" : "");
        return $"free={s.FreePages} out={s.OutstandingPages}{extras} | {domains}".TrimEnd(' ', '|');
    }

    private static string StateLetter(DomainState state) => state switch
    {
        DomainState.Alive => "alive",
        DomainState.Dying => "dying",
        DomainState.Dead => "dead",
        _ => "gone",
    };

    /// <summary>
    /// The entry at which the violation was seen: the last operation of the actor the message names ("seen by X"), or
    /// the last operation of all for a violation found at the end.
    /// </summary>
    private static int BreakingEntry(string? message, IReadOnlyList<HistoryEntry> entries)
    {
        if (message is null || entries.Count == 0)
        {
            return -1;
        }

        var seenBy = SeenBy().Match(message);
        if (seenBy.Success)
        {
            var actor = seenBy.Groups["actor"].Value;
            var last = entries.LastOrDefault(e => e.Actor == actor);
            if (last is not null)
            {
                return last.Index;
            }
        }

        return entries[^1].Index;
    }

    [GeneratedRegex(@"\(seen by (?<actor>[^)]+)\)$")]
    private static partial Regex SeenBy();
}
