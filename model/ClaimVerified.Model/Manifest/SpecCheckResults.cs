using System.Text.Json;
using System.Text.Json.Serialization;
using ClaimVerified.Model.Exhaustive;
using ClaimVerified.Profiles;

namespace ClaimVerified.Model.Manifest;

/// <summary>One violated property in the table: its name and the length of its shortest counterexample.</summary>
public sealed record SpecCheckViolation(string Property, int Length);

/// <summary>
/// One row of Manifest/spec-check-results.json: a profile, a bound (in <see cref="SpecBound.Parse"/>'s syntax), and
/// what an exhaustive check of the specification found there. <see cref="Ci"/> rows are re-run by the tests and must
/// match exactly (states, transitions, depth, verdict and counterexample lengths), as TLA+ example repositories record
/// TLC's state counts.
/// </summary>
public sealed record SpecCheckRow(
    string Profile,
    string Bound,
    bool Ci,
    long States,
    long Transitions,
    int Depth,
    string Verdict,
    IReadOnlyList<SpecCheckViolation> Violations)
{
    public static SpecCheckRow From(SpecCheckResult result, bool ci)
    {
        ArgumentNullException.ThrowIfNull(result);
        return new SpecCheckRow(result.Profile, result.Bound.ToArguments(), ci, result.States, result.Transitions, result.Depth,
            result.Status.ToString().ToLowerInvariant(), result.Violations.Select(v => new SpecCheckViolation(v.Property, v.Length)).ToArray());
    }

    public SpecBound ParsedBound => SpecBound.Parse(Bound, out var error)
        ?? throw new InvalidOperationException($"spec-check-results.json: bad bound '{Bound}': {error}");

    /// <summary>Null when <paramref name="result"/> is exactly this row, else what differs.</summary>
    public string? Judge(SpecCheckResult result)
    {
        var actual = From(result, Ci);
        var problems = new List<string>();
        if (actual.States != States || actual.Transitions != Transitions || actual.Depth != Depth)
        {
            problems.Add($"states/transitions/depth {actual.States}/{actual.Transitions}/{actual.Depth}, recorded {States}/{Transitions}/{Depth}");
        }

        if (actual.Verdict != Verdict || !actual.Violations.SequenceEqual(Violations))
        {
            problems.Add($"verdict {result.Verdict}, recorded {Verdict} {string.Join(", ", Violations.Select(v => $"{v.Property}({v.Length})"))}");
        }

        return problems.Count == 0 ? null : $"{Profile} [{Bound}]: {string.Join("; ", problems)}";
    }
}

/// <summary>The committed table of exhaustive specification checks (Manifest/spec-check-results.json, embedded).</summary>
public sealed record SpecCheckResults(string About, IReadOnlyList<SpecCheckRow> Results)
{
    public const string ResourceName = "spec-check-results.json";

    /// <summary>The bounds the table records, with whether CI re-runs them.</summary>
    public static IReadOnlyList<(string Bound, bool Ci)> StandardBounds { get; } =
    [
        ("nodes=1 pages=3 domains=2 sizes=3 without=offline,maxmem", true),
        ("nodes=2 pages=2 domains=1 sizes=2,4", true),
        ("nodes=1 pages=3 domains=2 sizes=3", false),
    ];

    public static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
        WriteIndented = true,
    };

    public static SpecCheckResults Load()
    {
        using var stream = typeof(SpecCheckResults).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"{ResourceName} is not embedded in the model assembly");
        return JsonSerializer.Deserialize<SpecCheckResults>(stream, JsonOptions)
            ?? throw new InvalidOperationException($"{ResourceName} is empty");
    }

    /// <summary>Runs every profile on every standard bound (what regenerates the committed file).</summary>
    public static SpecCheckResults Compute(SpecCheckLimits? limits = null)
    {
        var rows = new List<SpecCheckRow>();
        foreach (var (bound, ci) in StandardBounds)
        {
            var parsed = SpecBound.Parse(bound, out var error) ?? throw new InvalidOperationException(error);
            foreach (var profile in Catalogue.All)
            {
                rows.Add(SpecCheckRow.From(SpecChecker.Check(profile, parsed, limits), ci));
            }
        }

        return new SpecCheckResults(
            "Exhaustive bounded checks of the sequential specification (SpecChecker): for each profile and bound, the number of "
            + "distinct reachable states, transitions explored, the BFS depth, and the verdict with, per violated property, the "
            + "length of its shortest counterexample. Rows with ci=true are re-run by tests/ClaimVerified.Tests/Reference/"
            + "SpecCheckerTests.cs and must match exactly. The specification is sequential: windows between critical sections "
            + "cannot show here; offlining, max_pages lowering, claims on dead domains and claim regrowth do.",
            rows) { HoldsOnEveryBound = [Catalogue.Reference.Name] };
    }

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    /// <summary>
    /// The profiles whose design promises that every property holds on every bound, listed here or not: a bound a
    /// user invents is judged against that promise, as an unlisted bound of any other profile is not judged at all.
    /// </summary>
    public IReadOnlyList<string> HoldsOnEveryBound { get; init; } = [];

    /// <summary>
    /// <paramref name="result"/> against this table, the way explore judges a cell: its row's verdict and violated
    /// properties (and, for a complete run, its state count), else the profile's promise for every bound, else
    /// nothing (no expectation).
    /// </summary>
    public Judged Judge(SpecCheckResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var found = result.Violations.Select(v => v.Property).ToHashSet(StringComparer.Ordinal);
        var bound = result.Bound.ToArguments();
        var row = Results.FirstOrDefault(r => r.Profile == result.Profile && r.ParsedBound.ToArguments() == bound);
        if (row is null)
        {
            return !HoldsOnEveryBound.Contains(result.Profile) ? Judged.NoExpectation
                : found.Count == 0 ? Judged.AsExpected
                : Judged.Differs(true, $"{result.Profile} must hold on every bound; [{bound}] violates {string.Join(", ", found.Order())}");
        }

        var recorded = row.Violations.Select(v => v.Property).ToHashSet(StringComparer.Ordinal);
        if (found.Except(recorded).Any())
        {
            return Judged.Differs(true, $"{result.Profile} [{bound}] violates {string.Join(", ", found.Except(recorded).Order())}, recorded {row.Verdict}");
        }

        if (result.Status == SpecCheckStatus.Incomplete)
        {
            return Judged.AsExpected; // Nothing unexpected so far; a limit stopped it before the rest could show.
        }

        if (recorded.Except(found).Any())
        {
            return Judged.Differs(false, $"{result.Profile} [{bound}] should violate {string.Join(", ", recorded.Except(found).Order())}");
        }

        // With symmetry the orbits stand for the recorded states: their sizes must add up to exactly that count.
        var states = result.StatesWithSymmetryOff ?? result.States;
        return states == row.States
            ? Judged.AsExpected
            : Judged.Differs(true, $"{result.Profile} [{bound}] has {states} states{(result.StatesWithSymmetryOff is null ? "" : " (orbits added up)")}, recorded {row.States}");
    }
}
