using System.Text.Json;
using ClaimVerified.Model.Conformance;
using ClaimVerified.Specification;
using ClaimVerified.Profiles;

namespace ClaimVerified.Tests.Reference;

/// <summary>
/// The operation script format: the parser's errors (line, column, what was expected), the runner on core and
/// specification, and every committed conformance vector (traces/conformance/*/*.cvs) passing on both.
/// </summary>
public sealed class ScriptTests
{
    private static readonly string Root = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ClaimVerified.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("repository root not found");
    }

    private static string ConformanceDir => Path.Combine(Root, "traces", "conformance");

    public static TheoryData<string> CommittedVectors()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(Path.Combine(FindRoot(), "traces", "conformance"), "*.cvs", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetRelativePath(Path.Combine(FindRoot(), "traces", "conformance"), file));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(CommittedVectors))]
    public void A_committed_vector_passes_on_core_and_specification(string file)
    {
        var result = ScriptRunner.Run(File.ReadAllText(Path.Combine(ConformanceDir, file)), name: file);
        Assert.True(result.Passed, result.Render());
        Assert.True(result.Steps > 0);
    }

    [Fact]
    public void Vectors_exist_for_the_current_profiles()
    {
        foreach (var profile in new[] { "xen-4.21.1", "xen-4.22", "claim-sets", "reference" })
        {
            Assert.NotEmpty(Directory.GetFiles(Path.Combine(ConformanceDir, profile), "*.cvs"));
        }

        Assert.True(File.Exists(Path.Combine(ConformanceDir, "FORMAT.md")));
    }

    [Fact]
    public void The_committed_reference_vectors_are_what_the_generator_makes_and_cover_every_reachable_rule()
    {
        var set = Vectors.Generate(Catalogue.Reference);
        foreach (var vector in set.Vectors)
        {
            Assert.Equal(vector.Text, File.ReadAllText(Path.Combine(ConformanceDir, "reference", vector.Name + ".cvs")).ReplaceLineEndings("\n"));
        }

        Assert.Equal(set.Vectors.Count, Directory.GetFiles(Path.Combine(ConformanceDir, "reference"), "*.cvs").Length);

        // What stays uncovered is what the reference cannot reach: no tmem, no LLC refusal path other than the wrapper's,
        // the domid limit, Xen's unlocked dying check, claims and claim sets always supported, extra pages never refused,
        // assign_pages refusing after the heap section (the reference checks first, in one critical section), and
        // offlining that recalls claims (the reference refuses to offline a page that backs one).
        Assert.Equal(
            [
                Rules.CreateDomIdsExhausted, Rules.NodeAffinityUnsupported, Rules.ClaimUnsupported, Rules.ClaimDyingUnlocked, Rules.ClaimSetUnsupported,
                Rules.HeapFromTmemEphemeral, Rules.HeapScarcityGateRelinquished, Rules.HeapScarcityGateOrderAboveZero,
                Rules.AllocExtraRefused, Rules.AllocAssignDying,
                Rules.AllocAssignTotAboveMax, Rules.AllocAssignOverMax, Rules.OfflineRecalledClaims, Rules.TmemPutPersistentPopulateRefused,
                Rules.TmemPutPersistent, Rules.TmemPutEphemeralDying, Rules.TmemPutEphemeralHeapRefused,
                Rules.TmemPutEphemeral, Rules.TmemPutEphemeralFromFreeList, Rules.TmemFlushPersistentNone,
                Rules.TmemFlushPersistent, Rules.TmemFlushEphemeralNone, Rules.TmemFlushEphemeral,
                Rules.TmemFlushEphemeralToFreeList, Rules.TmemFlushAllBadPages, Rules.TmemFlushAllFlushed,
            ],
            set.Uncovered);
        Assert.Equal(Rules.All.Count, set.RulesTotal);
        Assert.Contains("93/119 rules", set.Render(), StringComparison.Ordinal);
    }

    private const string Good = """
        # A claim, a populate, and the counters after each.
        host nodes=2 pages=8
        profile reference
        create d1 max=12 -> ok
        claim d1 8 -> ok free=16 outstanding=8
        populate d1 order=0 node=1 -> ok outstanding=7 free@node1=7
        claimset d1 4@node0 2@global -> ok
        physinfo -> free=15 outstanding=6 outstanding@node0=4
        domaininfo d1 -> tot=1 claim=6 claim@node0=4 max=12 state=alive
        populate d1 order=0 as=d1
        decrease d1 order=0 -> ok
        maxmem d1 4 -> ok
        domaininfo d1 -> claim=3 max=4
        kill d1 -> ok free=16 outstanding=0
        destroy d1
        domaininfo d1 -> ESRCH
        claim d1 1 -> EINVAL
        xen-alloc order=0 -> ok xenheap=1
        xen-free 1 -> ok free=16
        offline node=0 -> ok offlined=1
        """;

    [Fact]
    public void A_hand_written_script_passes_and_its_result_is_json_friendly()
    {
        var result = ScriptRunner.Run(Good, name: "good");
        Assert.True(result.Passed, result.Render());
        Assert.Equal(17, result.Steps);
        var json = JsonSerializer.Serialize(result);
        Assert.Contains("\"Passed\":true", json, StringComparison.Ordinal);
        Assert.Contains("passed (17 operations, profile reference", result.Render(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_wrong_expectation_is_reported_with_its_line()
    {
        var result = ScriptRunner.Run(Good.Replace("claim d1 8 -> ok free=16 outstanding=8", "claim d1 8 -> ok free=16 outstanding=9", StringComparison.Ordinal));
        Assert.False(result.Passed);
        var difference = result.FirstDifference!;
        Assert.Equal(5, difference.Line);
        Assert.Equal("counter outstanding differs from the expectation", difference.What);
        Assert.Equal("outstanding=9", difference.Expected);
        Assert.Equal("outstanding=8", difference.Core);
        Assert.Contains("line 5", result.Render(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_profile_override_replaces_the_profile_line()
    {
        // Xen 4.22 has no claim sets: the reference script fails on its claimset line.
        var result = ScriptRunner.Run(Good, profileOverride: "xen-4.22");
        Assert.False(result.Passed);
        Assert.Equal("xen-4.22", result.Profile);
        Assert.Equal(7, result.FirstDifference!.Line); // Claim sets do not exist there: EOPNOTSUPP.
    }

    [Fact]
    public void A_result_code_mismatch_names_both()
    {
        var result = ScriptRunner.Run("host nodes=1 pages=4\nprofile xen-4.22\ncreate a max=2\nclaim a 3 -> ok\n");
        Assert.False(result.Passed);
        Assert.Equal(4, result.FirstDifference!.Line);
        Assert.Equal("ok", result.FirstDifference.Expected);
        Assert.StartsWith("EINVAL", result.FirstDifference.Core, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("host nodes=1 pages=4\nclam d1 3", 2, 1, "unknown keyword 'clam'", "one of: host, profile, create")]
    [InlineData("host nodes=1 pages=4\ncreate d1 max=4\nclaim d1", 3, 9, "missing argument", "the claim's pages")]
    [InlineData("host nodes=1 pages=4\ncreate d1 max=99999999999999999999", 2, 15, "does not fit in a 64-bit integer", "a number from")]
    [InlineData("host nodes=1 pages=4\nclaim d1 3", 2, 7, "domain 'd1' is used before it exists", "a domain named by an earlier create line")]
    [InlineData("create d1 max=4", 1, 1, "'create' before the host line", "'host nodes=<n> pages=<n> [llc]' first")]
    [InlineData("host nodes=1", 1, 13, "missing pages", "pages=<n>")]
    [InlineData("host nodes=1 pages=4\ncreate d1 max=4 -> okay", 2, 20, "unknown result 'okay'", "ok or an error code")]
    [InlineData("host nodes=1 pages=4\ncreate d1 max=4 -> ok tot=0", 2, 23, "the domain counter 'tot' on a create line", "domain counters only on domaininfo lines")]
    [InlineData("host nodes=1 pages=4\ncreate d1 max=4\npopulate d1 order=0 colour=2", 3, 21, "unknown option 'colour'", "one of: order=, node=, exact, preempted, as=")]
    [InlineData("host nodes=1 pages=4\nprofile xen-9", 2, 9, "unknown profile 'xen-9'", "one of: no-claims")]
    [InlineData("host nodes=2 pages=4\ncreate d1 max=4\npopulate d1 order=0 exact", 3, 21, "'exact' without a node", "node=<k> exact")]
    [InlineData("host nodes=2 pages=4\ncreate d1 max=4\npopulate d1 order=0 node=1 exact exact", 3, 34, "option 'exact' given twice", "each option once")]
    [InlineData("host nodes=1 pages=4\ncreate d1 max=4\ncreate d1 max=4", 3, 8, "domain 'd1' is already named", "a new name")]
    [InlineData("host nodes=1 pages=4\ncreate d1 max=4\nclaimset d1 4@disk", 3, 15, "unknown target 'disk'", "node<n>, global or legacy")]
    [InlineData("host nodes=1 pages=4\nphysinfo -> free=x", 2, 18, "'x' is not a number", "a decimal integer")]
    public void A_bad_script_is_refused_with_line_column_and_what_was_expected(string script, int line, int column, string message, string expected)
    {
        var error = Assert.Throws<ScriptSyntaxException>(() => ScriptParser.Parse(script)).Error;
        Assert.Equal((line, column), (error.Line, error.Column));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Expected, StringComparison.Ordinal);
        var run = ScriptRunner.Run(script);
        Assert.False(run.Passed);
        Assert.Equal(error, run.SyntaxError);
        Assert.StartsWith("script: syntax error: line", run.Render(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_domain_whose_create_failed_cannot_be_used()
    {
        var result = ScriptRunner.Run("host nodes=1 pages=4\nprofile reference\ncreate big max=-9 -> EINVAL\nclaim big 1\n");
        Assert.False(result.Passed);
        Assert.Equal(4, result.FirstDifference!.Line);
        Assert.Contains("never created", result.FirstDifference.What, StringComparison.Ordinal);
    }

    [Fact]
    public void A_script_line_round_trips_through_the_writer()
    {
        var op = new ClaimMemory(Caller.Guest(2), 1, [new ClaimEntry(3, 0), new ClaimEntry(1, ClaimEntry.Global)]);
        Assert.Equal("claimset d1 3@node0 1@global as=dom2", Vectors.Line(op, id => id == 1 ? "d1" : $"dom{id}"));
        Assert.Equal("offline node=1 as=dom0", Vectors.Line(new OfflinePage(Caller.Control, 1), id => $"d{id}"));
    }

    [Fact]
    public void FORMAT_md_grammar_names_every_result_the_core_can_return_and_no_other()
    {
        var text = File.ReadAllText(Path.Combine(ConformanceDir, "FORMAT.md"));
        var line = text.Split('\n').Single(l => l.StartsWith("RESULT ", StringComparison.Ordinal));
        var named = System.Text.RegularExpressions.Regex.Matches(line, "\"([A-Za-z0-9]+)\"").Select(m => m.Groups[1].Value).ToArray();
        var results = Enum.GetNames<Errno>().Where(n => n != nameof(Errno.Ok)).Prepend("ok");
        Assert.Equal(results.Order(StringComparer.Ordinal), named.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_example_in_FORMAT_md_passes()
    {
        var text = File.ReadAllText(Path.Combine(ConformanceDir, "FORMAT.md"));
        var start = text.IndexOf("```\nhost nodes=1 pages=16", StringComparison.Ordinal) + 4;
        var example = text[start..text.IndexOf("```", start, StringComparison.Ordinal)];
        var result = ScriptRunner.Run(example, name: "FORMAT.md example");
        Assert.True(result.Passed, result.Render());
    }
}
