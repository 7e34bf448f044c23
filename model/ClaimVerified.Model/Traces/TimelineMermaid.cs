using System.Text;

namespace ClaimVerified.Model.Traces;

/// <summary>
/// The timeline as a Mermaid sequence diagram: each actor a participant, Xen the other side, a call an arrow to Xen and
/// a return an arrow back with the counters, so interleavings show as crossing conversations.
/// </summary>
public static class TimelineMermaid
{
    public static string Render(Timeline timeline)
    {
        var text = new StringBuilder();
        text.Append("sequenceDiagram\n");
        text.Append("    title ").Append(Escape(timeline.Title)).Append('\n');
        foreach (var actor in timeline.Actors)
        {
            text.Append("    participant ").Append(Id(actor)).Append(" as ").Append(Escape(actor)).Append('\n');
        }

        text.Append("    participant Xen\n");
        foreach (var e in timeline.Events)
        {
            var who = Id(e.Actor);
            if (e.Kind is TimelineEventKind.Call or TimelineEventKind.Whole or TimelineEventKind.InFlight)
            {
                var operation = e.Kind == TimelineEventKind.InFlight ? $"{e.Operation} (in flight)" : e.Operation;
                text.Append("    ").Append(who).Append("->>Xen: ").Append(Escape(operation)).Append('\n');
            }

            if (e.Kind is TimelineEventKind.Return or TimelineEventKind.Whole)
            {
                text.Append("    Xen-->>").Append(who).Append(": ").Append(Escape($"{e.Result}  [{e.HostAfter}]")).Append('\n');
            }

            if (e.Breaks && timeline.Message is not null)
            {
                text.Append("    Note over ").Append(who).Append(",Xen: ").Append(Escape("✗ " + timeline.Message)).Append('\n');
            }
        }

        return text.ToString();
    }

    private static string Id(string actor) => new(actor.Where(char.IsLetterOrDigit).ToArray());

    /// <summary>Mermaid ends a statement at ';' and starts an entity at '#': neither may appear in a message.</summary>
    private static string Escape(string text) => text.Replace(';', ',').Replace('#', '№').Replace("\n", " ", StringComparison.Ordinal);
}
