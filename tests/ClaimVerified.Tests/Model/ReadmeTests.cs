using ClaimVerified.Model.Manifest;
using ClaimVerified.Tests.Traces;

namespace ClaimVerified.Tests.Model;

/// <summary>The README's matrix is the manifest's, cell for cell: the README cannot drift from what CI checks.</summary>
public sealed class ReadmeTests
{
    [Fact]
    public void The_readme_matrix_is_the_manifest()
    {
        var manifest = ExpectedResults.Load();
        var lines = File.ReadAllLines(Path.Combine(Repository.Root, "README.md"));
        var header = Array.FindIndex(lines, l => l.StartsWith("| scenario | no-claims |", StringComparison.Ordinal));
        Assert.True(header >= 0, "README.md has no matrix table");
        var profiles = MarkdownTable.Cells(lines[header]).Skip(1).ToArray();
        var checkedCells = 0;
        foreach (var line in lines.Skip(header + 2).TakeWhile(l => l.StartsWith('|')))
        {
            var cells = MarkdownTable.Cells(line);
            for (var i = 1; i < cells.Length; i++)
            {
                var row = manifest.For(profiles[i - 1], cells[0]);
                var expected = row.IsNotApplicable ? "n/a"
                    : row.ExpectsViolation ? $"**{string.Join("/", row.Properties!)}**"
                    : row.ExpectsFindings ? Findings(row)
                    : "holds";
                Assert.True(expected == cells[i], $"README says {cells[i]} for {row.Profile} x {row.Scenario}; the manifest says {expected}");
                checkedCells++;
            }
        }

        Assert.Equal(manifest.Results.Count, checkedCells);
    }

    /// <summary>
    /// A drawn row's cell: what it meets on its own in bold, then what it meets only within compounds, and the staged
    /// findings of the profile it does not meet at its budget.
    /// </summary>
    private static string Findings(ExpectedResult row)
    {
        var alone = row.Findings is { Count: > 0 } ? $"**{string.Join(", ", row.Findings)}**" : null;
        string?[] notes = [row.InCompounds is { Count: > 0 } ? $"in compounds: {string.Join(", ", row.InCompounds)}" : null,
            row.NotMet is { Count: > 0 } ? $"staged, not met: {string.Join(", ", row.NotMet.Keys)}" : null];
        var said = string.Join("; ", notes.OfType<string>());
        return alone is null ? said : said.Length == 0 ? alone : $"{alone} ({said})";
    }
}
