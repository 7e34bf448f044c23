using ClaimVerified.Specification;

namespace ClaimVerified.Model.Workloads;

/// <summary>One operation as a workload performed it: who, what, when it was called and returned, and the result.</summary>
/// <param name="CallStep">The history's step counter when the call began.</param>
/// <param name="ReturnStep">The step counter when it returned (CallStep &lt; ReturnStep; others may interleave between).</param>
/// <param name="After">A ghost read of the host right after the return, for timelines.</param>
/// <param name="Call">The operation as data, when it is one the specification knows (null for audits): what the
/// linearizability check replays through <see cref="Spec.Step"/>.</param>
public sealed record HistoryEntry(
    int Index,
    string Actor,
    string Operation,
    int CallStep,
    int ReturnStep,
    Outcome Result,
    HostSnapshot After,
    Operation? Call = null);

/// <summary>An operation called and not returned when the history was frozen (the property broke while it was in flight).</summary>
public sealed record PendingCall(string Actor, string Operation, int CallStep);

/// <summary>
/// The history of one execution: every operation's call and return, in the order Coyote scheduled them. It is the
/// raw material of timelines (traces/) and of the linearizability check. Recording adds no scheduling point: under
/// Coyote one task runs at a time, and the counters are read without locks.
/// </summary>
public sealed class History
{
    /// <summary>A limit on everything: an execution that records more than this is cut (the rest is not kept).</summary>
    public const int MaxEntries = 4096;

    private readonly List<HistoryEntry> entries = [];

    /// <summary>The calls not returned yet, by call step: what a timeline shows in flight when the property broke.</summary>
    private readonly SortedDictionary<int, PendingCall> pending = [];
    private int step;
    private bool frozen;

    public IReadOnlyList<HistoryEntry> Entries => entries;

    /// <summary>The calls made and not returned, in call order (after a violation: those in flight when it was seen).</summary>
    public IReadOnlyList<PendingCall> Pending => [.. pending.Values];

    public int BeginCall(string actor, string operation)
    {
        var callStep = ++step;
        if (!frozen)
        {
            pending[callStep] = new PendingCall(actor, operation, callStep);
        }

        return callStep;
    }

    /// <summary>
    /// Stops recording: called when a monitor reports a violation. Coyote ends the execution there, but tasks it no
    /// longer controls may still return from an operation; what they record after the violation is not part of the
    /// counterexample and would make replays differ.
    /// </summary>
    public void Freeze() => frozen = true;

    public void Return(string actor, string operation, int callStep, Outcome result, HostSnapshot after, Operation? call = null)
    {
        if (frozen)
        {
            return;
        }

        pending.Remove(callStep);
        if (entries.Count < MaxEntries)
        {
            entries.Add(new HistoryEntry(entries.Count, actor, operation, callStep, ++step, result, after, call));
        }
    }
}
