using ClaimVerified.Cli;
using ClaimVerified.Model.Exhaustive;
using ClaimVerified.Model.Manifest;
using ClaimVerified.Profiles;
using ClaimVerified.Tests.Cli;

namespace ClaimVerified.Tests.Reference;

/// <summary>
/// Symmetry reduction over domains (issue 15 §3): where it is allowed it is exact (the orbits' sizes add up to the
/// states with it off, and the verdicts and shortest counterexamples are the same), and where it is refused it would
/// be wrong (renaming two domains really changes what happens next).
/// </summary>
public sealed class SymmetryTests
{
    private static readonly SpecCheckResults Table = SpecCheckResults.Load();

    /// <summary>Every operation kind, three domains: small enough to check every swap of every reachable state, on two
    /// nodes (where a domain's allocations go round the nodes from its own last_alloc_node) and on one.</summary>
    private static readonly SpecBound[] Everything =
    [
        SpecBound.Parse("nodes=2 pages=1 domains=3 sizes=1", out _)!,
        SpecBound.Parse("nodes=1 pages=2 domains=2 sizes=1,2 with=kill-step", out _)!,
    ];

    /// <summary>Every state of each bound but those of tmem profiles with tmem on (their first 30,000, breadth first).</summary>
    private const int MaxStates = 30_000;

    public static TheoryData<string> Profiles()
    {
        var data = new TheoryData<string>();
        foreach (var profile in Catalogue.All)
        {
            data.Add(profile.Name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void A_profile_is_refused_exactly_where_renaming_two_domains_changes_what_happens(string name)
    {
        var profile = Catalogue.Get(name);
        var refused = Everything.Where(b => DomainSymmetry.Refusal(profile, b) is not null).ToArray();
        foreach (var bound in Everything.Except(refused))
        {
            var asymmetry = DomainSymmetry.FindAsymmetry(profile, bound, MaxStates);
            Assert.True(asymmetry is null, asymmetry);
        }

        // A refusal is needed: on one of the bounds, some swap of two domains really changes what happens next.
        Assert.True(refused.Length == 0 || refused.Any(b => DomainSymmetry.FindAsymmetry(profile, b, MaxStates) is not null),
            $"{name} is refused, yet no swap of two interchangeable domains changes anything on {string.Join("; ", refused.AsEnumerable())}");

        // Leaving out what the refusals name makes the profile symmetric on the same bounds.
        foreach (var bound in refused.Select(b => b with { Without = ["tmem", "offline"] }))
        {
            Assert.Null(DomainSymmetry.Refusal(profile, bound));
            var left = DomainSymmetry.FindAsymmetry(profile, bound, MaxStates);
            Assert.True(left is null, left);
        }
    }

    public static TheoryData<string, string> SymmetricRows()
    {
        var data = new TheoryData<string, string>();
        foreach (var row in Table.Results.Where(r => r.Ci && r.ParsedBound.MaxDomains > 1
            && DomainSymmetry.Refusal(Catalogue.Get(r.Profile), r.ParsedBound) is null))
        {
            data.Add(row.Profile, row.Bound);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(SymmetricRows))]
    public void With_symmetry_the_orbits_add_up_to_the_recorded_states_and_the_verdict_is_the_same(string profile, string bound)
    {
        var row = Table.Results.Single(r => r.Profile == profile && r.Bound == bound);
        var result = SpecChecker.Check(Catalogue.Get(profile), row.ParsedBound, symmetry: true);

        Assert.Equal(row.States, result.StatesWithSymmetryOff);
        Assert.True(result.States < row.States, $"{result.States} orbits for {row.States} states: two domains should fold");
        Assert.Equal(row.Verdict, result.Status.ToString().ToLowerInvariant());
        Assert.Equal(row.Violations.Select(v => (v.Property, v.Length)), result.Violations.Select(v => (v.Property, v.Length)));
        Assert.Equal(row.Depth, result.Depth);
        Assert.Equal(Judged.AsExpected, Table.Judge(result));
    }

    [Fact]
    public void The_rows_with_two_domains_include_a_profile_that_breaks_properties()
    {
        // Otherwise the theory above would only ever compare "holds" with "holds".
        Assert.Contains(SymmetricRows(), row => Table.Results.Single(r => r.Profile == (string)row[0] && r.Bound == (string)row[1]).Verdict == "violates");
    }

    [Fact]
    public void A_counterexample_found_through_canonical_rows_is_a_real_path_from_the_fresh_host()
    {
        // xen-4.22's claims on two domains: the second domain's claim is found through the canonical row that sorts it first.
        var bound = SpecBound.Parse("nodes=1 pages=4 domains=2 sizes=2,4", out _)!;
        var off = SpecChecker.Check(Catalogue.Xen422, bound);
        var on = SpecChecker.Check(Catalogue.Xen422, bound, symmetry: true);

        Assert.Equal(off.States, on.StatesWithSymmetryOff);
        Assert.Equal(off.Violations.Select(v => (v.Property, v.Length)), on.Violations.Select(v => (v.Property, v.Length)));
        Assert.Contains("orbits of domain symmetry (135540 states with it off)", on.Render(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_refused_profile_or_the_record_engine_is_told_why_rather_than_given_a_wrong_count()
    {
        var claimSets = Assert.Throws<ArgumentException>(() => SpecChecker.Check(Catalogue.ClaimSets, Everything[0], symmetry: true));
        Assert.Contains("domid order", claimSets.Message, StringComparison.Ordinal);
        var records = Assert.Throws<ArgumentException>(() =>
            SpecChecker.Check(Catalogue.Xen422, Everything[0] with { Without = ["offline"] }, engine: SpecEngine.Records, symmetry: true));
        Assert.Contains("packed engine", records.Message, StringComparison.Ordinal);

        var (exit, output, error) = CliRunner.Run("spec-check", "--profile", "xen-4.3", "--bound", "nodes=1 pages=2 domains=2 sizes=2", "--symmetry");
        Assert.Equal(ExitCode.Usage, exit);
        Assert.Contains("--symmetry refused: xen-4.3 with tmem gives up the lowest domid's ephemeral pages first", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
        Assert.Empty(output);
    }

    [Fact]
    public void Spec_check_with_symmetry_prints_orbits_and_the_states_they_stand_for()
    {
        var (exit, output, _) = CliRunner.Run("spec-check", "--profile", "reference", "--bound", "nodes=1 pages=2 domains=2 sizes=2", "--symmetry", "--json");
        Assert.Equal(0, exit);
        var json = System.Text.Json.JsonDocument.Parse(output).RootElement;
        var orbits = json.GetProperty("states").GetInt64();
        var states = json.GetProperty("statesWithSymmetryOff").GetInt64();
        Assert.InRange(orbits, 1, states - 1);
        var plain = SpecChecker.Check(Catalogue.Reference, SpecBound.Parse("nodes=1 pages=2 domains=2 sizes=2", out _)!);
        Assert.Equal(plain.States, states);
    }
}
