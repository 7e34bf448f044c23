using System.Net;
using System.Text;
using ClaimVerified.Model.Manifest;
using ClaimVerified.Model.Matrix;
using ClaimVerified.Model.Traces;

namespace ClaimVerified.Cli.Reports;

/// <summary>
/// The HTML report: one self-contained page (inline CSS and SVG, no scripts, no fonts or images to fetch) with the
/// matrix and every counterexample drawn as a picture.
/// </summary>
public static class HtmlReport
{
    private const string Style = """
        body { font-family: sans-serif; margin: 24px; color: #1d2330; }
        table { border-collapse: collapse; margin-bottom: 24px; }
        th, td { border: 1px solid #c8d0dc; padding: 4px 8px; font-size: 13px; }
        th { background: #eef2f8; }
        .holds { color: #11702d; } .violates { color: #b00020; font-weight: bold; } .off { background: #fff3c4; }
        pre { background: #f6f8fa; padding: 8px; font-size: 11px; overflow-x: auto; }
        section { margin-bottom: 32px; } .finding { max-width: 60em; }
        """;

    public static string Render(IReadOnlyList<CellReport> cells, IReadOnlyList<Timeline> timelines, ExpectedResults manifest)
    {
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>ClaimVerified report</title><style>")
            .Append(Style).Append("</style></head><body>\n<h1>ClaimVerified exploration report</h1>\n");
        html.Append("<table><tr><th>profile</th><th>scenario</th><th>verdict</th><th>expected</th><th>schedules</th><th>time</th></tr>\n");
        foreach (var c in cells)
        {
            var css = c.Verdict == "holds" ? "holds" : "violates";
            html.Append($"<tr{(c.AsExpected ? "" : " class=\"off\"")}><td>{E(c.Profile)}</td><td>{E(c.Scenario)}</td><td class=\"{css}\">{E(c.Verdict)}</td>")
                .Append($"<td>{(c.AsExpected ? "✓" : "✗ " + E(c.Expected))}</td><td>{c.Schedules}</td><td>{c.Seconds:F2}s</td></tr>\n");
        }

        html.Append("</table>\n<h2>Counterexamples</h2>\n");
        foreach (var timeline in timelines)
        {
            // A shrunk counterexample runs as a given configuration, not as its cell's scenario: no staged finding to name.
            var cell = cells.FirstOrDefault(c => c.Profile == timeline.Profile && c.Scenario == timeline.Scenario);
            html.Append("<section><h3>").Append(E(timeline.Title)).Append("</h3>\n<p class=\"violates\">").Append(E(timeline.Message ?? "")).Append("</p>\n");
            if (cell?.Finding is not null && manifest.Findings.TryGetValue(cell.Finding, out var finding))
            {
                html.Append("<p class=\"finding\"><b>").Append(E(finding.Title)).Append(".</b> ").Append(E(finding.Explanation))
                    .Append(" <i>Fixed by ").Append(E(finding.FixedBy)).Append(".</i></p>\n");
            }

            html.Append(TimelineSvg.Render(timeline));
            html.Append("<details><summary>timeline as text</summary><pre>").Append(E(TimelineText.Render(timeline))).Append("</pre></details></section>\n");
        }

        return html.Append("</body></html>\n").ToString();
    }

    /// <summary>One counterexample as a page of its own (claimverify explain --format html).</summary>
    public static string RenderTimelinePage(Timeline timeline) =>
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + E(timeline.Title) + "</title><style>" + Style
        + "</style></head><body>\n<h1>" + E(timeline.Title) + "</h1>\n<p class=\"violates\">" + E(timeline.Message ?? "") + "</p>\n"
        + TimelineSvg.Render(timeline) + "<pre>" + E(TimelineText.Render(timeline)) + "</pre></body></html>\n";

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
