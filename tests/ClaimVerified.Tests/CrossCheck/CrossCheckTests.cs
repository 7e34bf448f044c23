using System.Globalization;
using System.Text.RegularExpressions;
using ClaimVerified.Model.Benchmarks;
using ClaimVerified.Model.Exhaustive;
using ClaimVerified.Profiles;
using ClaimVerified.Specification.Properties;

namespace ClaimVerified.Tests.CrossCheck;

/// <summary>
/// Issue 15, section 1: the specification of xen-4.22 and reference written again in Promela and in Murphi
/// (model/CrossCheck), and for every row of model/CrossCheck/bounds.json spec-check, Spin and rumur must report the same
/// number of distinct states and the same verdict per property; each rumur counterexample (breadth-first, so shortest)
/// is replayed through the C# specification, where it must violate the same property at the same depth as spec-check's,
/// and so is the first trail Spin writes for each violated property (depth-first, so not the shortest).
/// Without spin or rumur (or cc) on PATH, their tests are skipped with the reason, never passed.
/// </summary>
public sealed class CrossCheckTests
{
    public static TheoryData<int> RowIndices()
    {
        var data = new TheoryData<int>();
        for (var i = 0; i < CrossCheckTable.Rows.Count; i++)
        {
            data.Add(i);
        }

        return data;
    }

    [Fact]
    public void The_table_covers_both_profiles_and_judges_every_state_property()
    {
        Assert.Equal(["reference", "xen-4.22"], CrossCheckTable.Rows.Select(r => r.Profile).Distinct().Order(StringComparer.Ordinal));
        Assert.All(CrossCheckTable.Rows, row =>
        {
            Assert.Equal(SpecProperties.Ids.Order(StringComparer.Ordinal), row.Verdicts.Keys.Order(StringComparer.Ordinal));
            Assert.All(row.Verdicts.Values, v => Assert.Contains(v, new[] { "holds", "violated" }));
            Assert.Equal(row.States, row.Spin.States);
            Assert.Equal(row.States, row.Rumur.States);
            _ = CrossCheckTable.Parameters(row.Profile, row.ParsedBound);
        });
    }

    [Theory]
    [MemberData(nameof(RowIndices))]
    public void Spec_check_reports_the_rows_states_and_verdicts(int index)
    {
        var row = CrossCheckTable.Rows[index];
        var result = SpecChecker.Check(Catalogue.Get(row.Profile), row.ParsedBound, SpecCheckLimits.Default with { Threads = 1 });
        Assert.Null(result.IncompleteReason);
        Assert.Equal(row.States, result.States);
        Assert.Equal(row.Violated.Order(StringComparer.Ordinal), result.ViolatedProperties.Order(StringComparer.Ordinal));
    }

    [SkippableTheory]
    [MemberData(nameof(RowIndices))]
    public void Spin_reports_the_rows_states_and_verdicts(int index)
    {
        Skip.If(Tools.Missing("spin") is not null, Tools.Missing("spin"));
        var row = CrossCheckTable.Rows[index];
        using var scratch = new ScratchFolder("crosscheck-spin");
        var dir = scratch.FullName;
        foreach (var file in new[] { "claims.pml", "domops.pml" })
        {
            File.Copy(Path.Combine(CrossCheckTable.Folder, "promela", file), Path.Combine(dir, file));
        }

        var defines = CrossCheckTable.Parameters(row.Profile, row.ParsedBound)
            .Select(p => string.Create(CultureInfo.InvariantCulture, $"-D{p.Name}={p.Value}")).ToArray();
        Tools.Run(dir, "spin", [.. defines, "-a", "claims.pml"]);
        Tools.Run(dir, "cc", [.. Tools.CcFlags(rumur: false), "-DNOREDUCE", "-DVECTORSZ=1024", "-o", "pan", "pan.c"]);
        // -c0: go on past assertion violations (pan still expands the violating state); -m: no depth limit hit.
        var output = Tools.Run(dir, Path.Combine(dir, "pan"), "-c0", "-m1000000", "-w20");
        Assert.Contains("Full statespace search", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Search not completed", output, StringComparison.Ordinal);
        Assert.DoesNotContain("max search depth too small", output, StringComparison.Ordinal);
        Assert.Equal(row.States, Tools.Number(output, @"^\s*(\d+) states, stored", "states, stored"));
        Assert.Equal(row.Spin.StateVectorBytes, Tools.Number(output, @"State-vector (\d+) byte", "state vector"));
        // Each assertion names its property (claims_backed); pan prints each distinct violated assertion at least once.
        var violated = Regex.Matches(output, @"assertion violated (\w+)").Select(m => m.Groups[1].Value.Replace('_', '-')).Distinct();
        Assert.Equal(row.Violated.Order(StringComparer.Ordinal), violated.Order(StringComparer.Ordinal));

        // Each violation replayed through the C# specification: pan's search is deterministic, so -cK stops at the
        // K-th error, the first of that property, and writes its trail; spin -t replays it, printing the steps.
        var bound = row.ParsedBound;
        var profile = Catalogue.Get(row.Profile);
        foreach (var property in row.Violated)
        {
            var name = property.Replace('-', '_');
            var k = Tools.Number(output, $@"^pan:(\d+): assertion violated {name} ", "the first error of " + property);
            var stopped = Tools.Run(dir, Path.Combine(dir, "pan"), string.Create(CultureInfo.InvariantCulture, $"-c{k}"), "-m1000000", "-w20");
            Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"pan:{k}: assertion violated {name} "), stopped, StringComparison.Ordinal);
            var replay = Tools.Run(dir, "spin", [.. defines, "-t", "claims.pml"]);
            var trace = Regex.Matches(replay, @"^\s*@ (.+)$", RegexOptions.Multiline)
                .Select(m => Replay.SpinStep(m.Groups[1].Value.Trim(), bound.LargestCreate)).ToArray();
            Assert.NotEmpty(trace);
            Assert.Contains(property, Replay.ViolatedAfter(profile, bound.Config, bound.MaxDomains, trace));
        }
    }

    [SkippableTheory]
    [MemberData(nameof(RowIndices))]
    public void Rumur_reports_the_rows_states_and_verdicts_and_its_counterexamples_replay(int index)
    {
        Skip.If(Tools.Missing("rumur") is not null, Tools.Missing("rumur"));
        var row = CrossCheckTable.Rows[index];
        var bound = row.ParsedBound;
        var profile = Catalogue.Get(row.Profile);
        using var scratch = new ScratchFolder("crosscheck-rumur");
        var dir = scratch.FullName;
        // rumur does not expand a state that violates a checked invariant and names only the first it finds there,
        // so: one run checking the properties that hold (every state expanded: the count), one per violated one.
        var all = Verify(dir, row, row.Holding);
        Assert.Equal(row.States, Tools.Number(all, @"^\s*(\d+) states, \d+ rules fired", "states"));
        Assert.Contains("No error found", all, StringComparison.Ordinal);
        Assert.Equal(row.Rumur.StateBits, Tools.Number(all, @"size of each state is (\d+) bits", "state size"));
        Assert.Equal(row.Rumur.StateBytes, Tools.Number(all, @"rounded up to (\d+) bytes", "state size"));
        var sizes = bound.CreateSizes.Distinct().ToArray();
        var specCheck = row.Violated.Count == 0 ? null : SpecChecker.Check(profile, bound, SpecCheckLimits.Default with { Threads = 1 });
        foreach (var property in row.Violated)
        {
            var output = Verify(dir, row, [property]);
            Assert.Contains($"invariant \"{property}\" failed", output, StringComparison.Ordinal);
            var trace = Replay.RumurTrace(output)
                .Select(step => Replay.RumurRule(step.Rule, step.Parameters, sizes, bound.LargestCreate)).ToArray();
            Assert.Contains(property, Replay.ViolatedAfter(profile, bound.Config, bound.MaxDomains, trace));
            Assert.Equal(specCheck!.Violations.Single(v => v.Property == property).Length, trace.Length);
        }
    }

    /// <summary>claims.m with the row's constants and <paramref name="checks"/> as the checked invariants, run to the end.</summary>
    private static string Verify(string dir, CrossCheckRow row, IReadOnlyList<string> checks)
    {
        var text = ExternalCheckers.Constants(File.ReadAllText(Path.Combine(CrossCheckTable.Folder, "murphi", "claims.m")), row.Profile, row.ParsedBound, checks);
        File.WriteAllText(Path.Combine(dir, "claims.m"), text);
        Tools.Run(dir, "rumur", "--deadlock-detection", "off", "--symmetry-reduction", "off", "--threads", "1",
            "--counterexample-trace", "diff", "--output", "claims.c", "claims.m");
        Tools.Run(dir, "cc", [.. Tools.CcFlags(rumur: true), "-o", "verifier", "claims.c", "-lpthread"]);
        return Tools.Run(dir, Path.Combine(dir, "verifier"));
    }
}

/// <summary>bench spec --vs (issue 15 §2): spec-check, Spin and rumur back to back on one bound, agreeing on the states.</summary>
public sealed class SideBySideTests
{
    private const string Bound = "nodes=1 pages=2 domains=2 sizes=1,2";

    [SkippableFact]
    public void Bench_spec_vs_runs_the_three_on_one_bound_and_they_find_the_same_states()
    {
        var missing = ExternalCheckers.Missing("spin") ?? ExternalCheckers.Missing("rumur");
        Skip.If(missing is not null, missing);
        var (exit, output, error) = ClaimVerified.Tests.Cli.CliRunner.Run("bench", "spec", "--profile", "xen-4.22", "--bound", Bound, "--vs", "spin,rumur", "--threads", "1");
        Assert.True(exit == 0, output + error);
        var states = SpecChecker.Check(Catalogue.Get("xen-4.22"), SpecBound.Parse(Bound, out _)!).States;
        foreach (var checker in new[] { "spec-check", "spin", "rumur" })
        {
            Assert.Matches($@"\| {checker} \| 1 \| {states:N0} \|", output);
        }
    }

    [Theory]
    [InlineData("--vs", "nusmv", "--vs takes spin, rumur or both")]
    [InlineData("--bound", "nodes=3 pages=2 domains=1 sizes=1", "the models cover nodes<=2")]
    public void A_checker_or_a_bound_the_models_do_not_cover_is_a_usage_error(string option, string value, string expected)
    {
        string[] arguments = option == "--vs"
            ? ["bench", "spec", "--profile", "reference", "--bound", Bound, "--vs", value]
            : ["bench", "spec", "--profile", "reference", "--bound", value, "--vs", "rumur"];
        var (exit, _, error) = ClaimVerified.Tests.Cli.CliRunner.Run(arguments);
        if (ExternalCheckers.Missing("rumur") is not null && option == "--bound")
        {
            Assert.Equal(1, exit); // Without rumur the missing tool is the usage error; either way exit 1 in words.
            return;
        }

        Assert.Equal(1, exit);
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
    }
}
