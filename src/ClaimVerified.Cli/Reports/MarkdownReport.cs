using System.Text;
using ClaimVerified.Model.Manifest;
using ClaimVerified.Model.Matrix;
using ClaimVerified.Model.Traces;

namespace ClaimVerified.Cli.Reports;

/// <summary>The Markdown report: the matrix, the findings, and each counterexample with its Mermaid diagram.</summary>
public static class MarkdownReport
{
    public static string Render(IReadOnlyList<CellReport> cells, IReadOnlyList<Timeline> timelines, ExpectedResults manifest)
    {
        var text = new StringBuilder();
        text.Append("# ClaimVerified exploration report\n\n");
        text.Append("| profile | scenario | verdict | expected | schedules | time |\n|---|---|---|---|---|---|\n");
        foreach (var c in cells)
        {
            text.Append($"| {c.Profile} | {c.Scenario} | {c.Verdict} | {(c.AsExpected ? "✓" : "✗ " + c.Expected)} | {c.Schedules} | {c.Seconds:F2}s |\n");
        }

        text.Append("\n## Counterexamples\n");
        foreach (var timeline in timelines)
        {
            // A shrunk counterexample runs as a given configuration, not as its cell's scenario: no staged finding to name.
            var cell = cells.FirstOrDefault(c => c.Profile == timeline.Profile && c.Scenario == timeline.Scenario);
            text.Append("\n### ").Append(timeline.Title).Append("\n\n").Append(timeline.Message).Append("\n\n");
            if (cell?.Finding is not null && manifest.Findings.TryGetValue(cell.Finding, out var finding))
            {
                text.Append("**").Append(finding.Title).Append(".** ").Append(finding.Explanation).Append(" Fixed by ").Append(finding.FixedBy).Append(".\n\n");
            }

            text.Append("```mermaid\n").Append(TimelineMermaid.Render(timeline)).Append("```\n\n");
            text.Append("```\n").Append(TimelineText.Render(timeline)).Append("```\n");
        }

        return text.ToString();
    }
}
