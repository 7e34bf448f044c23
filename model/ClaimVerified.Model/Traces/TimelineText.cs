using System.Text;

namespace ClaimVerified.Model.Traces;

/// <summary>
/// The plain-text timeline: one column per actor, one row per event in scheduled order, the host's counters after
/// each return, and the row where the property broke marked with ✗ and the violation spelled out below it.
/// An operation that others interleaved with shows as ┌ (call) and └ (return) in its column; one still in flight when
/// the property broke shows as ┌⋯ only, explained below the table.
/// </summary>
public static class TimelineText
{
    /// <summary>A limit on everything: an actor column is at most this wide; longer cells are cut with an ellipsis.</summary>
    public const int MaxColumnWidth = 34;

    public static string Render(Timeline timeline)
    {
        var cells = timeline.Events.Select(Cell).ToArray();
        var widths = timeline.Actors.ToDictionary(a => a, a => Math.Min(MaxColumnWidth,
            Math.Max(a.Length, timeline.Events.Select((e, i) => (e, i)).Where(x => x.e.Actor == a).Select(x => cells[x.i].Length).DefaultIfEmpty(0).Max())));
        var text = new StringBuilder();
        text.Append(timeline.Title).Append('\n');
        foreach (var line in timeline.Configuration)
        {
            text.Append("  ").Append(line).Append('\n');
        }

        text.Append(Row("step", timeline.Actors.Select(a => (a, a)), widths, "host after the step", ' ')).Append('\n');
        for (var i = 0; i < timeline.Events.Count; i++)
        {
            var e = timeline.Events[i];
            var marker = e.Breaks ? '✗' : ' ';
            text.Append(Row(e.Step.ToString(System.Globalization.CultureInfo.InvariantCulture),
                timeline.Actors.Select(a => (a, a == e.Actor ? cells[i] : "")), widths, e.HostAfter ?? "", marker)).Append('\n');
        }

        if (timeline.Message is not null)
        {
            text.Append("✗ ").Append(timeline.Message).Append('\n');
        }

        if (timeline.Events.Any(e => e.Kind == TimelineEventKind.InFlight))
        {
            text.Append("┌⋯ called and not returned when the property broke: what it did so far is in the host's counters\n");
        }

        return text.ToString();
    }

    private static string Cell(TimelineEvent e) => e.Kind switch
    {
        TimelineEventKind.Call => $"┌ {e.Operation}",
        TimelineEventKind.Return => $"└ {e.Result}",
        TimelineEventKind.InFlight => $"┌⋯ {e.Operation}",
        _ => $"{e.Operation} → {e.Result}",
    };

    private static string Row(string step, IEnumerable<(string Actor, string Text)> columns, Dictionary<string, int> widths, string host, char marker)
    {
        var line = new StringBuilder();
        line.Append(marker).Append(step.PadLeft(4)).Append("  ");
        foreach (var (actor, text) in columns)
        {
            var width = widths[actor];
            var cut = text.Length > width ? text[..(width - 1)] + "…" : text;
            line.Append(cut.PadRight(width)).Append("  ");
        }

        line.Append(host);
        return line.ToString().TrimEnd();
    }
}
