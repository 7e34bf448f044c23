
using ClaimVerified.Model.Exhaustive;
using ClaimVerified.Model.Manifest;
using ClaimVerified.Profiles;
using ClaimVerified.Specification.Properties;
namespace ClaimVerified.Tests.Reference;

/// <summary>
/// The exhaustive checker of the specification against its committed table (Manifest/spec-check-results.json): the
/// CI rows are re-run and must match exactly, the reference holds everywhere, and a counterexample is a real path.
/// </summary>
public sealed class SpecCheckerTests
{
    private static readonly SpecCheckResults Table = SpecCheckResults.Load();

    public static TheoryData<string, string, SpecEngine> CiRows()
    {
        var data = new TheoryData<string, string, SpecEngine>();
        foreach (var row in Table.Results.Where(r => r.Ci))
        {
            data.Add(row.Profile, row.Bound, SpecEngine.Packed);
            data.Add(row.Profile, row.Bound, SpecEngine.Records);
        }

        return data;
    }

    [Fact]
    public void The_table_covers_every_profile_on_every_standard_bound()
    {
        foreach (var (bound, ci) in SpecCheckResults.StandardBounds)
        {
            foreach (var profile in Catalogue.All)
            {
                var row = Assert.Single(Table.Results, r => r.Profile == profile.Name && r.Bound == bound);
                Assert.Equal(ci, row.Ci);
            }
        }
    }

    [Fact]
    public void The_reference_holds_on_every_bound_and_no_row_is_incomplete()
    {
        Assert.All(Table.Results.Where(r => r.Profile == Catalogue.Reference.Name), r => Assert.Equal("holds", r.Verdict));
        Assert.All(Table.Results, r => Assert.NotEqual("incomplete", r.Verdict));
    }

    [Theory]
    [MemberData(nameof(CiRows))]
    public void A_ci_row_is_reproduced_exactly_by_both_engines(string profile, string bound, SpecEngine engine)
    {
        var row = Table.Results.Single(r => r.Profile == profile && r.Bound == bound);
        var result = SpecChecker.Check(Catalogue.Get(profile), row.ParsedBound, engine: engine);
        var problem = row.Judge(result);
        Assert.True(problem is null, problem);
    }

    [Fact]
    public void Mechanism_findings_show_up_in_the_sequential_specification()
    {
        string Verdict(Profile p) => Table.Results.Single(r => r.Profile == p.Name && r.Bound.Contains("without", StringComparison.Ordinal))
            .Verdict + " " + string.Join(",", Table.Results.Single(r => r.Profile == p.Name && r.Bound.Contains("without", StringComparison.Ordinal))
            .Violations.Select(v => v.Property));

        // Sharing regrows a claim with nothing behind it before 3472783c26; a claim on a dead domain leaks before 2379ca04fe.
        Assert.Contains(PropertyIds.ClaimsBacked, Verdict(Catalogue.Xen46), StringComparison.Ordinal);
        Assert.Contains(PropertyIds.Release, Verdict(Catalogue.Xen4210), StringComparison.Ordinal);
        Assert.DoesNotContain(PropertyIds.ClaimsBacked, Verdict(Catalogue.Xen4210), StringComparison.Ordinal);
        Assert.StartsWith("holds", Verdict(Catalogue.Xen422), StringComparison.Ordinal);

        // With offlining and max_pages in the alphabet, every Xen profile violates claims-backed and claim-bound.
        var full = Table.Results.Single(r => r.Profile == Catalogue.Xen422.Name && r.Bound == "nodes=2 pages=2 domains=1 sizes=2,4");
        Assert.Contains(full.Violations, v => v.Property == PropertyIds.ClaimsBacked);
        Assert.Contains(full.Violations, v => v.Property == PropertyIds.ClaimBound);
    }

    [Fact]
    public void A_counterexample_is_the_shortest_path_and_renders_as_a_timeline()
    {
        var bound = SpecBound.Parse("nodes=1 pages=3 domains=1 sizes=3 without=maxmem,share,extra,tmem,xenheap,kill,destroy", out var error)!;
        Assert.Null(error);
        var result = SpecChecker.Check(Catalogue.Xen422, bound);
        Assert.Equal(SpecCheckStatus.Violates, result.Status);
        var backed = Assert.Single(result.Violations, v => v.Property == PropertyIds.ClaimsBacked);
        Assert.Equal(["create max=3", "claim d1 3", "[xen] offline node=0"], backed.Steps.Select(s => s.Operation));
        var text = backed.Render();
        Assert.Contains("[claims-backed] after 3 operation(s)", text, StringComparison.Ordinal);
        Assert.Contains("claim d1 3 -> ok", text, StringComparison.Ordinal);
        Assert.Contains("free=2 outstanding=3", text, StringComparison.Ordinal);
        Assert.Contains("violates claims-backed(3)", result.Render(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(SpecEngine.Packed)]
    [InlineData(SpecEngine.Records)]
    public void Hitting_a_limit_gives_an_incomplete_verdict(SpecEngine engine)
    {
        var result = SpecChecker.Check(Catalogue.Reference, SpecBound.Small(2, 8, 3), new SpecCheckLimits(MaxStates: 500), engine);
        Assert.Equal(SpecCheckStatus.Incomplete, result.Status);
        Assert.StartsWith("incomplete (state limit 500)", result.Verdict, StringComparison.Ordinal);
        Assert.Equal(500, result.States);
        var shallow = SpecChecker.Check(Catalogue.Reference, SpecBound.Small(2, 8, 3), new SpecCheckLimits(MaxDepth: 2), engine);
        Assert.Equal("incomplete (depth limit 2)", shallow.Verdict);
        Assert.Equal(2, shallow.Depth);
    }

    [Fact]
    public void Running_out_of_memory_gives_an_incomplete_verdict_not_a_crash()
    {
        var result = SpecChecker.Check(Catalogue.Reference, SpecBound.Small(2, 8, 3), new SpecCheckLimits(MaxMemoryBytes: 1));
        Assert.Equal(SpecCheckStatus.Incomplete, result.Status);
        Assert.StartsWith("incomplete (memory limit 0 MiB)", result.Verdict, StringComparison.Ordinal);
        Assert.True(new SpecCheckLimits().MemoryBytes > 1 << 20, "the default memory limit is a share of the machine's memory");
    }

    [Theory]
    [InlineData("nodes=0")]
    [InlineData("pages=x")]
    [InlineData("without=teleport")]
    [InlineData("colour")]
    public void A_bad_bound_is_refused_with_a_reason(string text)
    {
        Assert.Null(SpecBound.Parse(text, out var error));
        Assert.Contains("bad bound word", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bound_round_trips_through_its_arguments()
    {
        var bound = SpecBound.Parse("nodes=2 pages=4 domains=3 sizes=2,4 llc without=offline", out _)!;
        var again = SpecBound.Parse(bound.ToArguments(), out _)!;
        Assert.Equal(bound.Render(), again.Render());
        Assert.Equal("2x4 pages, 3 domains, create max 2/4, llc, without offline", bound.Render());
    }
}
