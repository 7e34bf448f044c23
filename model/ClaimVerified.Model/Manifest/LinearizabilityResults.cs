using System.Text.Json;
using ClaimVerified.Model.Linearizability;
using ClaimVerified.Profiles;

namespace ClaimVerified.Model.Manifest;

/// <summary>One cell: whether the core is linearizable against the specification in this profile x scenario.</summary>
public sealed record LinearizabilityRow(string Profile, string Scenario, bool Linearizable, uint Budget, string? Finding)
{
    /// <summary>Null when <paramref name="result"/> is what this cell records, else what differs.</summary>
    public string? Judge(LinearizabilityExploration result)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (result.UncontrolledInvocations.Count > 0)
        {
            return $"uncontrolled invocations: {string.Join(", ", result.UncontrolledInvocations)}";
        }

        return Linearizable
            ? result.Status == LinearizabilityStatus.Linearizable ? null : $"expected linearizable, got {result.Render()}"
            : result.Status == LinearizabilityStatus.NotLinearizable ? null : $"expected a non-linearizable history within {Budget} executions, got {result.Verdict}";
    }
}

/// <summary>The committed linearizability verdicts (Manifest/linearizability-results.json, embedded).</summary>
public sealed record LinearizabilityResults(string About, IReadOnlyDictionary<string, Finding> Findings, IReadOnlyList<LinearizabilityRow> Results)
{
    public const string ResourceName = "linearizability-results.json";

    public static LinearizabilityResults Load()
    {
        using var stream = typeof(LinearizabilityResults).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"{ResourceName} is not embedded in the model assembly");
        var table = JsonSerializer.Deserialize<LinearizabilityResults>(stream, SpecCheckResults.JsonOptions)
            ?? throw new InvalidOperationException($"{ResourceName} is empty");
        foreach (var row in table.Results)
        {
            Profiles.Catalogue.Get(row.Profile);
            Scenarios.ScenarioCatalogue.Get(row.Scenario);
            if (!row.Linearizable && (row.Finding is null || !table.Findings.ContainsKey(row.Finding)))
            {
                throw new InvalidOperationException($"{ResourceName}: {row.Profile} x {row.Scenario} needs a known finding");
            }
        }

        return table;
    }

    /// <summary>The profiles whose design promises linearizability in every scenario, listed here or not.</summary>
    public IReadOnlyList<string> LinearizableEverywhere { get; init; } = [];

    /// <summary>
    /// <paramref name="result"/> against this table, the way explore judges a cell: its row, else the profile's
    /// promise for every scenario, else nothing (no expectation).
    /// </summary>
    public Judged Judge(LinearizabilityExploration result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var row = Results.SingleOrDefault(r => r.Profile == result.Profile && r.Scenario == result.Scenario);
        if (row is null && !LinearizableEverywhere.Contains(result.Profile))
        {
            return Judged.NoExpectation;
        }

        var deviation = row is not null ? row.Judge(result)
            : result.Status == LinearizabilityStatus.Linearizable ? null
            : $"{result.Profile} must be linearizable in every scenario; got {result.Render()}";
        return deviation is null ? Judged.AsExpected : Judged.Differs(result.Status != LinearizabilityStatus.Linearizable, deviation);
    }

    public LinearizabilityRow For(string profile, string scenario) =>
        Results.SingleOrDefault(r => r.Profile == profile && r.Scenario == scenario)
        ?? throw new KeyNotFoundException($"{ResourceName} has no entry for {profile} x {scenario}");
}
