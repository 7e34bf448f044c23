using ClaimVerified.Model.Attribution;
using ClaimVerified.Model.Exploration;
using ClaimVerified.Model.Manifest;
using ClaimVerified.Model.Scenarios;
using ClaimVerified.Profiles;

namespace ClaimVerified.Model.Matrix;

/// <summary>How a finding is expected of a drawn row, and so what counts as meeting it.</summary>
public enum Expectation
{
    /// <summary>The row lists it as met on its own: met by a violation attributed to it alone.</summary>
    Alone,

    /// <summary>The row lists it in a compound: met by the first attribution that names it.</summary>
    InCompound,

    /// <summary>
    /// A staged row of the profile shows it and the generated row does not list it (yet): the generated family should
    /// rediscover every staged finding (item 5), so its time is measured too; met by the first attribution that names it.
    /// </summary>
    Staged,

    /// <summary>
    /// The profile's random-operations row expects it and neither the generated row nor a staged row lists it: measured
    /// too, so that a finding stays in the table when the generated row's one seed stops meeting it within its budget
    /// (rows are judged at seed 17 / 200, and a change of the schedules moves what that one seed meets: December 6,
    /// second session); met by the first attribution that names it.
    /// </summary>
    RandomOps,

    /// <summary>Asked for by name (`--finding`), listed by no row of the profile: met by the first attribution that names it.</summary>
    Asked,
}

/// <summary>
/// The findings a whole-budget run of a drawn cell waits for, how each counts as met, and where each was first met:
/// what decides whether a violation is worth its attribution (replays and hundreds of explored schedules) once the run
/// no longer attributes every one. The time-to-finding table attributes only the violations that could still meet one
/// (its figures are those of attributing every violation). A row at its manifest budget, past the first few violations
/// of a property, attributes those too (<see cref="GeneratedCell.Meet"/>): the first ones of a property are often
/// another finding than a rarer one met later in the same property (xen-4.3's tmem-backed claims, seed-2012's claim
/// regrowth), and a row must not pass over what it waits for.
/// </summary>
public sealed class AwaitedFindings
{
    private readonly Dictionary<string, int> first = new(StringComparer.Ordinal);

    public AwaitedFindings(IReadOnlyList<(string Finding, Expectation Expectation)> expected)
    {
        ArgumentNullException.ThrowIfNull(expected);
        if (expected.Select(e => e.Finding).Distinct(StringComparer.Ordinal).Count() != expected.Count)
        {
            throw new ArgumentException("a finding is awaited once, with one expectation", nameof(expected));
        }

        Expected = expected;
    }

    /// <summary>What the run waits for, in the order it reports them.</summary>
    public IReadOnlyList<(string Finding, Expectation Expectation)> Expected { get; }

    /// <summary>The schedule at which each awaited finding was first met, as its expectation counts meeting it.</summary>
    public IReadOnlyDictionary<string, int> First => first;

    public bool AllMet => first.Count == Expected.Count;

    /// <summary>
    /// What a drawn row awaits: its findings alone, its compounds, for the generated family every finding a staged row
    /// or the random-operations row of the profile shows that the row does not list, and any finding
    /// <paramref name="asked"/> names besides.
    /// </summary>
    public static IReadOnlyList<(string Finding, Expectation Expectation)> Of(ExpectedResults manifest, ExpectedResult cell,
        IReadOnlyCollection<string>? asked = null)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(cell);
        var listed = (cell.Findings ?? []).Select(f => (Finding: f, Expectation: Expectation.Alone))
            .Concat((cell.InCompounds ?? []).Select(f => (Finding: f, Expectation: Expectation.InCompound))).ToList();
        void AddUnlisted(IEnumerable<string> findings, Expectation expectation) =>
            listed.AddRange(findings.Distinct(StringComparer.Ordinal).Where(f => listed.All(l => l.Finding != f)).Select(f => (f, expectation)));

        if (cell.Scenario == ScenarioCatalogue.Generated.Name)
        {
            var rows = manifest.Results.Where(r => r.Profile == cell.Profile).ToArray();
            AddUnlisted(rows.Where(r => ScenarioCatalogue.Get(r.Scenario).Configure is null)
                .SelectMany(r => r.ShownFindings).Order(StringComparer.Ordinal), Expectation.Staged);
            AddUnlisted(rows.Where(r => r.Scenario == ScenarioCatalogue.RandomOperations.Name)
                .SelectMany(r => (r.Findings ?? []).Concat(r.InCompounds ?? [])).Order(StringComparer.Ordinal), Expectation.RandomOps);
        }

        AddUnlisted(asked ?? [], Expectation.Asked);
        return listed;
    }

    /// <summary>
    /// Whether the violation's attribution could meet an awaited finding not met yet, judged cheaply: first by the
    /// property alone, then by its configuration (one replay: a fix it cannot reach names nothing there, as the stash on
    /// a host of a few pages), then by replaying its schedule with the fixes of what is still awaited (one replay a fix).
    /// False for a run where the model failed (no property broke): no finding is met by that.
    /// </summary>
    public bool MayMeetOne(Profile profile, Scenario scenario, MetViolation violation)
    {
        ArgumentNullException.ThrowIfNull(violation);
        if (violation.IsModelFailure || Waiting(Attributor.CandidateFindings(profile, violation.Property)).Length == 0)
        {
            return false;
        }

        var waiting = Waiting(Attributor.CandidateFindings(profile, scenario, violation));
        // Where every finding still awaited is expected alone, a violation none of whose fixes removes it on its own
        // schedule cannot be any of them (a replay each): without this, the violations of findings met long before used
        // up the time-to-finding run's attribution limit, and the seed stopped with the rare one unmet (xen-4.21.0's
        // extra pages, unmet on 17 seeds in 20: one of them, run again, had stopped at schedule 685 of 2,000).
        // Where some finding still awaited counts in a compound too, a violation some other fix removes on its own
        // schedule, and none of theirs, cannot name any of them (a replay a fix). It passes over few: the violations that
        // use up a limit there are mostly a finding's met long before whose fix cannot be replayed (39 of 60 attributions
        // of xen-4.21.0's seed 11 were claim-on-dying-domain-leaks', December 6), so they are still attributed.
        var names = waiting.Select(e => e.Finding).ToArray();
        return names.Length > 0 && !(waiting.All(e => e.Expectation == Expectation.Alone)
            ? Attributor.CannotBeAlone(profile, scenario, violation, names)
            : Attributor.CannotBeNamed(profile, scenario, violation, names));
    }

    /// <summary>Records what an attribution met, at <paramref name="schedule"/>: a finding expected alone only where named alone.</summary>
    public void Record(Attributed attributed, int schedule)
    {
        ArgumentNullException.ThrowIfNull(attributed);
        foreach (var (finding, expectation) in Expected.Where(e => Meets(attributed, e.Expectation, e.Finding)))
        {
            first.TryAdd(finding, schedule);
        }
    }

    /// <summary>Whether an attribution meets <paramref name="finding"/> as <paramref name="expectation"/> counts it: alone only where named alone.</summary>
    public static bool Meets(Attributed attributed, Expectation expectation, string finding)
    {
        ArgumentNullException.ThrowIfNull(attributed);
        return expectation == Expectation.Alone ? attributed.Label == finding : attributed.Findings.Contains(finding);
    }

    private (string Finding, Expectation Expectation)[] Waiting(IReadOnlySet<string> candidates) =>
        [.. Expected.Where(e => !first.ContainsKey(e.Finding) && candidates.Contains(e.Finding))];
}
