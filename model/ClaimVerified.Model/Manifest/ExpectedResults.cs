using System.Text.Json;
using System.Text.Json.Serialization;
using ClaimVerified.Model.Exploration;
using ClaimVerified.Profiles;
using ClaimVerified.Specification.Properties;

namespace ClaimVerified.Model.Manifest;

/// <summary>A finding: a violation the model found, what it means, and what fixed it (a Xen commit or our reference).</summary>
/// <summary>
/// A finding of the matrix. <see cref="Changed"/>, when given, says how and why the finding's verdicts changed (a
/// fidelity fix, a new mechanism), so that a trace README shows it beside the story.
/// </summary>
public sealed record Finding(string Title, string Profiles, string FixedBy, string Explanation, string? Changed = null);

/// <summary>One cell of the matrix: a profile, a scenario, what must happen and within what budget.</summary>
public sealed record ExpectedResult(
    string Profile,
    string Scenario,
    string Expect,
    IReadOnlyList<string>? Properties,
    string? Finding,
    uint Budget,
    string? Reason = null,
    IReadOnlyList<string>? Findings = null,
    IReadOnlyList<string>? InCompounds = null,
    IReadOnlyDictionary<string, string>? NotMet = null,
    IReadOnlyDictionary<string, string>? FindingsByProperty = null)
{
    /// <summary>Every finding this violating row's story shows: its own and those <see cref="FindingsByProperty"/> names.</summary>
    public IEnumerable<string> ShownFindings => Finding is null ? [] : (FindingsByProperty?.Values ?? []).Prepend(Finding);

    /// <summary>
    /// The finding a violation of <paramref name="property"/> shows in this staged row: <see cref="Finding"/>, the
    /// story's own, unless <see cref="FindingsByProperty"/> names another for that property (a story whose schedules
    /// may first meet a finding another story stages, as the extra-pages story on xen-4.21.0 meets the split window).
    /// </summary>
    public string? FindingFor(string? property) =>
        property is not null && FindingsByProperty is { } byProperty && byProperty.TryGetValue(property, out var other) ? other : Finding;

    public const string NotApplicableText = "not applicable";

    /// <summary>The label of violations a generated run counted but did not attribute (its limit per property).</summary>
    public const string NotAttributedLabel = "not attributed (limit)";

    /// <summary>
    /// A row of the generated family: within the budget each of <see cref="Findings"/> is met on its own (a violation
    /// attributed to it alone), and <see cref="InCompounds"/> are met only together with others (a compound). A staged
    /// row names one finding and the properties it can show first. <see cref="NotMet"/> names, each with why, the
    /// findings the profile's staged stories show that this generated row does not meet at its budget: every other one
    /// must be among <see cref="Findings"/> or <see cref="InCompounds"/> (<see cref="ExpectedResults.Validate"/>), so a
    /// gap between the staged stories and the generated exploration is written down, not silent; a run that meets one
    /// differs, so the row is updated when the gap closes.
    /// </summary>
    public bool ExpectsFindings => Expect == "finds";

    public bool ExpectsViolation => Expect == "violates";

    /// <summary>
    /// The scenario makes calls no code of the profile's Xen makes: there is nothing to explore, and
    /// <see cref="Reason"/> says why (it must be the scenario's own reason, <see cref="Scenario.NotApplicable"/>).
    /// </summary>
    public bool IsNotApplicable => Expect == "not-applicable";

    /// <summary>What the cell's result says: "holds", "violates" with the properties it names, or "not applicable".</summary>
    public string Describe() =>
        IsNotApplicable ? NotApplicableText
        : ExpectsViolation ? $"violates {string.Join("|", Properties ?? [])}"
        : ExpectsFindings ? DescribeFindings()
        : "holds";

    private string DescribeFindings()
    {
        var alone = Findings is { Count: > 0 } ? $"finds {string.Join(", ", Findings)}" : "finds none alone";
        var together = InCompounds is { Count: > 0 } ? $"{alone}; in compounds {string.Join(", ", InCompounds)}" : alone;
        return NotMet is { Count: > 0 } ? $"{together}; staged, not met: {string.Join(", ", NotMet.Keys)}" : together;
    }

    /// <summary>
    /// Whether a whole-budget exploration of the generated family met what this row expects: each of
    /// <see cref="Findings"/> met on its own (attributed to it alone), each of <see cref="InCompounds"/> met at least
    /// within a compound, and nothing else. A new violation, or one that needs a finding the row does not list, differs. <paramref name="met"/> gives each
    /// attribution's label, the findings it names (none for a new one) and the property broken, which the deviation
    /// names for a new violation ("new [claims-backed]"): no known finding explains it, so the property is what broke.
    /// <paramref name="unsettled"/> names the labels of attributions a quick look could not settle (the main job's
    /// "inconclusive", calibrated once): below the row's budget they are not counted against it, like a finding not met
    /// yet; at its budget they differ like any other.
    /// </summary>
    public Judged JudgeFindings(IReadOnlyCollection<(string Label, IReadOnlyList<string> Findings, string Property)> met, int schedules,
        IReadOnlyCollection<string>? unsettled = null)
    {
        ArgumentNullException.ThrowIfNull(met);
        var alone = ExpectsFindings ? Findings ?? [] : [];
        var together = ExpectsFindings ? InCompounds ?? [] : [];
        var attributed = met.Where(m => m.Label != NotAttributedLabel).ToArray();
        var settled = schedules >= Budget || unsettled is null ? attributed : attributed.Where(m => !unsettled.Contains(m.Label)).ToArray();
        var unexpected = settled.Where(m => m.Findings.Count == 0 || m.Findings.Any(f => !alone.Contains(f) && !together.Contains(f)))
            .Select(m => m.Findings.Count == 0 ? $"{m.Label} [{m.Property}]" : m.Label).Distinct().ToArray();
        var missing = alone.Where(finding => !attributed.Any(m => m.Label == finding))
            .Concat(together.Where(finding => !attributed.Any(m => m.Findings.Contains(finding)))).ToArray();
        // Below the row's budget a finding not met yet is no contradiction (the main job explores the drawn families at
        // a smaller budget); anything met must still be expected.
        return unexpected.Length > 0
            ? Judged.Differs(true, $"met {string.Join(", ", unexpected)}, which the manifest does not expect of {Profile} x {Scenario}")
            : missing.Length > 0 && schedules >= Budget
                ? Judged.Differs(false, $"expected to meet {string.Join(", ", missing)} within {Budget} schedules; not met in {schedules}")
                : Judged.AsExpected;
    }

    /// <summary>Whether <paramref name="result"/> is what this cell expects, and if not, what differs, in words.</summary>
    public Judged Judge(ExplorationResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return Deviation(result) is { } deviation ? Judged.Differs(result.BugFound, deviation) : Judged.AsExpected;
    }

    private string? Deviation(ExplorationResult result)
    {
        if (IsNotApplicable)
        {
            return $"the manifest says {Scenario} does not apply to {Profile} ({Reason}), but it was explored";
        }

        if (result.UncontrolledInvocations.Count > 0)
        {
            return $"uncontrolled invocations: {string.Join(", ", result.UncontrolledInvocations)}";
        }

        if (!ExpectsViolation)
        {
            return result.BugFound ? $"expected to hold for {Budget} schedules, but: {result.BugMessage}" : null;
        }

        if (!result.BugFound)
        {
            return $"expected a violation of {string.Join(" or ", Properties ?? [])} within {Budget} schedules; none found in {result.Iterations}";
        }

        var found = result.PropertyId;
        var named = found is not null && (Properties ?? []).Contains(found);
        var mentions = result.BugMessage!.Contains($"profile {Profile},", StringComparison.Ordinal)
            && result.BugMessage.Contains($"scenario {Scenario}:", StringComparison.Ordinal);
        return named && mentions
            ? null
            : $"expected a violation of {string.Join(" or ", Properties ?? [])}, found: {result.BugMessage}";
    }
}

/// <summary>The committed manifest (Manifest/expected-results.json, embedded in this assembly).</summary>
public sealed record ExpectedResults(
    string About,
    IReadOnlyDictionary<string, Finding> Findings,
    IReadOnlyList<ExpectedResult> Results)
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
    };

    public static ExpectedResults Load()
    {
        using var stream = typeof(ExpectedResults).Assembly.GetManifestResourceStream("expected-results.json")
            ?? throw new InvalidOperationException("expected-results.json is not embedded in the model assembly");
        var manifest = JsonSerializer.Deserialize<ExpectedResults>(stream, Options)
            ?? throw new InvalidOperationException("expected-results.json is empty");
        manifest.Validate();
        return manifest;
    }

    public ExpectedResult For(string profile, string scenario) =>
        Find(profile, scenario) ?? throw new KeyNotFoundException($"the manifest has no entry for {profile} x {scenario}");

    /// <summary>The cell for <paramref name="profile"/> x <paramref name="scenario"/>, or null: no expectation.</summary>
    public ExpectedResult? Find(string profile, string scenario) =>
        Results.SingleOrDefault(r => r.Profile == profile && r.Scenario == scenario);

    /// <summary>
    /// Every cell names a real profile, scenario, property and finding, expects what its kind can give, and appears
    /// once; otherwise it throws, naming the row. <see cref="Load"/> calls it.
    /// </summary>
    public void Validate()
    {
        foreach (var row in Results)
        {
            Profiles.Catalogue.Get(row.Profile);
            Scenarios.ScenarioCatalogue.Get(row.Scenario);
            var generated = Scenarios.ScenarioCatalogue.Get(row.Scenario).Configure is not null;
            if (generated != row.ExpectsFindings && !(generated && row.Expect == "holds"))
            {
                throw new InvalidOperationException($"manifest: {row.Profile} x {row.Scenario}: a generated row holds or finds; a staged row does not find");
            }

            // A row may meet every finding only within compounds (each compound's fix set is minimal, so no one fix
            // removes its violation), but it must expect something: a row that meets nothing holds.
            var alone = row.Findings ?? [];
            var together = row.InCompounds ?? [];
            if (row.ExpectsFindings && (alone.Count + together.Count == 0 || alone.Concat(together).Any(f => !Findings.ContainsKey(f))
                || alone.Intersect(together).Any()))
            {
                throw new InvalidOperationException($"manifest: {row.Profile} x {row.Scenario} must name known findings");
            }

            if (row.Expect is not ("holds" or "violates" or "not-applicable" or "finds") || row.Budget is 0 or > ExplorationOptions.MaxIterations
                || (row.IsNotApplicable && string.IsNullOrWhiteSpace(row.Reason)))
            {
                throw new InvalidOperationException($"manifest: bad expect or budget for {row.Profile} x {row.Scenario}");
            }

            if (row.ExpectsViolation && (row.Properties is not { Count: > 0 } || row.Properties.Any(p => !PropertyCatalogue.Contains(p))
                || row.Finding is null || !Findings.ContainsKey(row.Finding)))
            {
                throw new InvalidOperationException($"manifest: {row.Profile} x {row.Scenario} needs known properties and a finding");
            }

            if (row.FindingsByProperty is { } byProperty && (!row.ExpectsViolation
                || byProperty.Any(p => !row.Properties!.Contains(p.Key) || !Findings.ContainsKey(p.Value) || p.Value == row.Finding)))
            {
                throw new InvalidOperationException(
                    $"manifest: {row.Profile} x {row.Scenario}: findingsByProperty names, for properties the row lists, known findings other than its own");
            }
        }

        ValidateStagedFindingsAccounted();
        var duplicate = Results.GroupBy(r => (r.Profile, r.Scenario)).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new InvalidOperationException($"manifest: {duplicate.Key} appears twice");
        }
    }

    /// <summary>
    /// Item 5 of the generated exploration: on each profile, every finding a staged story shows is met by the generated
    /// row, alone or in a compound, or named in its <see cref="ExpectedResult.NotMet"/> with why. Only the swarm's rows
    /// answer for the staged stories: the random-operations mode makes public calls only, by design.
    /// </summary>
    private void ValidateStagedFindingsAccounted()
    {
        foreach (var row in Results.Where(r => r.Scenario == Scenarios.ScenarioCatalogue.Generated.Name))
        {
            var staged = Results.Where(r => r.Profile == row.Profile && r.ExpectsViolation).SelectMany(r => r.ShownFindings)
                .ToHashSet(StringComparer.Ordinal);
            var met = (row.Findings ?? []).Concat(row.InCompounds ?? []).ToHashSet(StringComparer.Ordinal);
            var notMet = row.NotMet ?? new Dictionary<string, string>();
            var silent = staged.Where(f => !met.Contains(f) && !notMet.ContainsKey(f)).Order(StringComparer.Ordinal).ToArray();
            if (silent.Length > 0)
            {
                throw new InvalidOperationException(
                    $"manifest: {row.Profile} x {row.Scenario} says nothing of {string.Join(", ", silent)}, which its staged stories show: expect it, or say in notMet why not");
            }

            var wrong = notMet.Where(n => !staged.Contains(n.Key) || met.Contains(n.Key) || string.IsNullOrWhiteSpace(n.Value)).Select(n => n.Key).ToArray();
            if (wrong.Length > 0)
            {
                throw new InvalidOperationException(
                    $"manifest: {row.Profile} x {row.Scenario}: notMet names {string.Join(", ", wrong)}, which is not a staged finding of the profile left unmet with a reason");
            }
        }

        if (Results.FirstOrDefault(r => r.NotMet is { Count: > 0 } && r.Scenario != Scenarios.ScenarioCatalogue.Generated.Name) is { } other)
        {
            throw new InvalidOperationException($"manifest: {other.Profile} x {other.Scenario}: only the generated family's rows say what they do not meet");
        }
    }
}
