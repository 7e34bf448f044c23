using System.Globalization;
using System.Net;
using System.Text;

namespace ClaimVerified.Model.Traces;

/// <summary>
/// The timeline as a self-contained SVG picture: a lane per actor, time downwards, each operation a box from its call
/// to its return, the host's counters in the right-hand lane, and the violation in red. No scripts, no fonts to fetch.
/// </summary>
public static class TimelineSvg
{
    private const int LaneWidth = 230;
    private const int HostWidth = 420;
    private const int RowHeight = 22;
    private const int Top = 56;

    public static string Render(Timeline timeline)
    {
        var rows = timeline.Events.Select(e => e.Step).Distinct().Order().Select((step, row) => (step, row)).ToDictionary(x => x.step, x => x.row);
        var width = timeline.Actors.Count * LaneWidth + HostWidth + 20;
        var height = Top + rows.Count * RowHeight + 60;
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" font-family=\"monospace\" font-size=\"11\">\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"10\" y=\"18\" font-size=\"14\" font-weight=\"bold\">{Escape(timeline.Title)}</text>\n");
        for (var lane = 0; lane < timeline.Actors.Count; lane++)
        {
            var x = 10 + lane * LaneWidth;
            svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{x}\" y=\"{Top - 22}\" width=\"{LaneWidth - 10}\" height=\"{height - Top - 20}\" fill=\"#f4f6fa\" stroke=\"#d0d7e2\"/>\n");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{x + 6}\" y=\"{Top - 8}\" font-weight=\"bold\">{Escape(timeline.Actors[lane])}</text>\n");
        }

        var hostX = 10 + timeline.Actors.Count * LaneWidth;
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{hostX}\" y=\"{Top - 8}\" font-weight=\"bold\">host after the step</text>\n");
        var open = new Dictionary<string, int>();
        foreach (var e in timeline.Events)
        {
            var lane = timeline.Actors.ToList().IndexOf(e.Actor);
            var x = 14 + lane * LaneWidth;
            var y = Top + rows[e.Step] * RowHeight;
            var colour = e.Breaks ? "#fbd5d5" : e.Result is "ok" || (e.Result?.StartsWith("ok ", StringComparison.Ordinal) ?? false) ? "#dcefdc" : "#fff1cc";
            switch (e.Kind)
            {
                case TimelineEventKind.Call:
                    open[e.Actor] = y;
                    break;
                case TimelineEventKind.Return:
                    var from = open.GetValueOrDefault(e.Actor, y);
                    svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{x}\" y=\"{from}\" width=\"{LaneWidth - 18}\" height=\"{y - from + RowHeight - 4}\" rx=\"4\" fill=\"{colour}\" stroke=\"#7a8aa0\"/>\n");
                    svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{x + 4}\" y=\"{from + 14}\">{Escape(Cut(e.Operation))}</text>\n");
                    svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{x + 4}\" y=\"{y + 14}\">→ {Escape(e.Result ?? "")}</text>\n");
                    break;
                case TimelineEventKind.InFlight:
                    svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{x}\" y=\"{y}\" width=\"{LaneWidth - 18}\" height=\"{RowHeight - 4}\" rx=\"4\" fill=\"#ffffff\" stroke=\"#7a8aa0\" stroke-dasharray=\"4 3\"/>\n");
                    svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{x + 4}\" y=\"{y + 14}\">{Escape(Cut($"{e.Operation} (in flight)"))}</text>\n");
                    break;
                default:
                    svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{x}\" y=\"{y}\" width=\"{LaneWidth - 18}\" height=\"{RowHeight - 4}\" rx=\"4\" fill=\"{colour}\" stroke=\"#7a8aa0\"/>\n");
                    svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{x + 4}\" y=\"{y + 14}\">{Escape(Cut($"{e.Operation} → {e.Result}"))}</text>\n");
                    break;
            }

            if (e.HostAfter is not null)
            {
                var weight = e.Breaks ? " fill=\"#b00020\" font-weight=\"bold\"" : "";
                svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{hostX}\" y=\"{y + 14}\"{weight}>{Escape(e.HostAfter)}</text>\n");
            }
        }

        if (timeline.Message is not null)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"10\" y=\"{height - 24}\" fill=\"#b00020\" font-weight=\"bold\">✗ {Escape(timeline.Message)}</text>\n");
        }

        svg.Append("</svg>\n");
        return svg.ToString();
    }

    private static string Cut(string text) => text.Length > 32 ? text[..31] + "…" : text;

    private static string Escape(string text) => WebUtility.HtmlEncode(text);
}
