using System.Reflection;
using Microsoft.Coyote.Rewriting;
using ClaimVerified.Model.Exhaustive;
using ClaimVerified.Model.Manifest;
using ClaimVerified.Model.Workloads;
using ClaimVerified.Profiles;
using ClaimVerified.Specification;
using ClaimVerified.Specification.Properties;
using SpecModel = ClaimVerified.Specification.Spec;

namespace ClaimVerified.Tests.Reference;

/// <summary>
/// The packed engine is the specification: on every state of the committed CI bounds, for every profile and every
/// operation, it steps exactly as the record form does; a deliberately broken engine is caught with the field that
/// differs; rows round-trip; the visited set keeps what it is given; and only the sequential checker skips rewriting.
/// </summary>
public sealed class PackedSpecTests
{
    public static TheoryData<string, string> ProfilesAndBounds()
    {
        var data = new TheoryData<string, string>();
        foreach (var profile in Catalogue.All)
        {
            foreach (var (bound, ci) in SpecCheckResults.StandardBounds.Where(b => b.Ci))
            {
                data.Add(profile.Name, bound);
            }

            // LLC colouring refuses claims on some profiles; tmem and extra pages on a two-domain, two-node host.
            data.Add(profile.Name, "nodes=1 pages=2 domains=1 sizes=2 llc");
            data.Add(profile.Name, "nodes=2 pages=1 domains=2 sizes=1,2 without=offline,maxmem,share,destroy");

            // domain_kill's continuations, where a claim, a populate or another kill meets a dying domain.
            data.Add(profile.Name, "nodes=1 pages=2 domains=2 sizes=1,2 without=offline,share,xenheap with=kill-step");

            // The toolstack's one unpause (a second is EINVAL), on a domain alive, dying or destroyed.
            data.Add(profile.Name, "nodes=1 pages=2 domains=2 sizes=1,2 without=offline,share,xenheap,maxmem with=unpause");
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ProfilesAndBounds))]
    public void The_packed_engine_steps_exactly_as_the_specification(string profile, string bound)
    {
        var report = PackedEquivalence.Compare(Catalogue.Get(profile), Parse(bound));
        Assert.True(report.Equivalent, report.FirstDifference);
        Assert.True(report.States > 50, $"only {report.States} states compared");
    }

    [Fact]
    public void A_broken_engine_is_caught_with_the_path_the_operation_and_the_field()
    {
        // The engine under test forgets that before 3472783c26 a free regrows a non-zero claim.
        var difference = FirstDifferenceOfABrokenEngine(Catalogue.Xen46, Catalogue.Xen46 with { FreesRegrowClaim = false });
        Assert.Contains("d1.claim: specification", difference, StringComparison.Ordinal);
        Assert.Contains("outstanding: specification", difference, StringComparison.Ordinal);
        Assert.Matches(@"after \[create max=3; claim d1 \d; .*\], '(decrease|share|tmem-flush) d1", difference);
    }

    [Fact]
    public void A_broken_success_verdict_is_caught_even_when_the_states_agree()
    {
        // xen-4.3 refuses a second claim; an engine that replaced it would differ in the verdict first.
        var difference = FirstDifferenceOfABrokenEngine(Catalogue.Xen43, Catalogue.Xen43 with { SecondClaimReplaces = true });
        Assert.Contains("the specification gives EINVAL, the packed engine Ok", difference, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(SpecEngine.Packed)]
    [InlineData(SpecEngine.Records)]
    public void Both_engines_find_the_same_counterexample(SpecEngine engine)
    {
        var bound = Parse("nodes=1 pages=3 domains=1 sizes=3 without=maxmem,share,extra,tmem,xenheap,kill,destroy");
        var result = SpecChecker.Check(Catalogue.Xen422, bound, engine: engine);
        var backed = Assert.Single(result.Violations, v => v.Property == "claims-backed");
        Assert.Equal(["create max=3", "claim d1 3", "[xen] offline node=0"], backed.Steps.Select(s => s.Operation));
    }

    [Theory]
    [InlineData("xen-4.3", "nodes=1 pages=3 domains=2 sizes=3", 0L)]
    [InlineData("reference", "nodes=1 pages=4 domains=2 sizes=2,4 without=offline", 0L)]
    [InlineData("claim-sets", "nodes=2 pages=2 domains=2 sizes=2,4 without=offline", 30_000L)]
    public void Any_number_of_threads_and_any_block_size_find_exactly_what_one_thread_finds(string profile, string bound, long maxStates)
    {
        // Levels of more than 4,096 states are split between workers; the merge must number states as one queue does.
        var limits = new SpecCheckLimits(MaxStates: maxStates == 0 ? 2_000_000 : maxStates, Threads: 1);
        var one = SpecChecker.Check(Catalogue.Get(profile), Parse(bound), limits);
        var three = SpecChecker.Check(Catalogue.Get(profile), Parse(bound), limits with { Threads = 3 });
        Assert.True(one.States > 4096 * 2, $"only {one.States} states: no level is split");
        Assert.Equal((one.States, one.Transitions, one.Depth, one.Verdict), (three.States, three.Transitions, three.Depth, three.Verdict));
        Assert.Equal(one.Violations.Select(v => v.Render()), three.Violations.Select(v => v.Render()));
        // Levels expanded a thousand states at a time, each block merged before the next: still one queue's numbering.
        var blocks = SpecChecker.Check(Catalogue.Get(profile), Parse(bound), limits with { Threads = 3, BlockStates = 1_000 });
        Assert.Equal((one.States, one.Transitions, one.Depth, one.Verdict), (blocks.States, blocks.Transitions, blocks.Depth, blocks.Verdict));
        Assert.Equal(one.Violations.Select(v => v.Render()), blocks.Violations.Select(v => v.Render()));
        var records = SpecChecker.Check(Catalogue.Get(profile), Parse(bound), limits, SpecEngine.Records);
        Assert.Equal((one.States, one.Transitions, one.Depth, one.Verdict), (records.States, records.Transitions, records.Depth, records.Verdict));
        Assert.Equal(one.Violations.Select(v => v.Render()), records.Violations.Select(v => v.Render()));
    }

    [Fact]
    public void A_row_round_trips_through_decode_and_encode_on_every_reachable_state()
    {
        var bound = Parse("nodes=2 pages=2 domains=2 sizes=2,4 without=offline,maxmem");
        var profile = Catalogue.ClaimSets;
        var layout = new PackedLayout(bound.Nodes, bound.MaxDomains);
        var state = SpecModel.Init(profile, bound.Config);
        var targets = GhostTargets.Initial(bound.MaxDomains);
        var alphabet = new SpecAlphabet(profile, bound);
        var seen = 0;
        for (var step = 0; step < 400; step++)
        {
            var ops = alphabet.For(state);
            var op = ops[(step * 7919) % ops.Count];
            var (result, next) = SpecModel.Step(profile, state, op);
            targets = GhostTargets.Next(profile, targets, state, next, op, result);
            state = next;
            var row = layout.Encode(state, targets);
            var (decoded, decodedTargets) = layout.Decode(row, bound.Config);
            Assert.Equal(state, decoded);
            Assert.Equal(row, layout.Encode(decoded, decodedTargets));
            seen += state.Domains.Count;
        }

        Assert.True(seen > 0);
    }

    [Fact]
    public void Encode_refuses_a_state_that_does_not_fit_the_layout()
    {
        var layout = new PackedLayout(nodes: 1, maxDomains: 1);
        var profile = Catalogue.Reference;
        var twoNodes = SpecModel.Init(profile, new HostConfig(2, 4));
        Assert.Contains("2 nodes", Assert.Throws<ArgumentException>(() => layout.Encode(twoNodes, [0, 0])).Message, StringComparison.Ordinal);
        var (_, one) = SpecModel.Step(profile, SpecModel.Init(profile, new HostConfig(1, 4)), new CreateDomain(Caller.Control, 4));
        var (_, two) = SpecModel.Step(profile, one, new CreateDomain(Caller.Control, 4));
        Assert.Contains("beyond the layout's 1 domains", Assert.Throws<ArgumentException>(() => layout.Encode(two, [0, 0, 0])).Message, StringComparison.Ordinal);
        Assert.Equal("d1.pages[0]", new PackedLayout(2, 2).FieldName(new PackedLayout(2, 2).Domain(1) + 13));
        Assert.Equal("d1.started", new PackedLayout(2, 2).FieldName(new PackedLayout(2, 2).Domain(1) + PackedLayout.DomStarted));
    }

    [Fact]
    public void The_visited_set_keeps_every_key_across_growth_and_refuses_repeats()
    {
        var set = new FingerprintSet(16);
        for (var i = 0; i < 10_000; i++)
        {
            Assert.True(set.Add(new UInt128((ulong)i * 0x9E3779B97F4A7C15UL, (ulong)i)));
        }

        for (var i = 0; i < 10_000; i++)
        {
            Assert.False(set.Add(new UInt128((ulong)i * 0x9E3779B97F4A7C15UL, (ulong)i)));
            Assert.True(set.Contains(new UInt128((ulong)i * 0x9E3779B97F4A7C15UL, (ulong)i)));
        }

        Assert.False(set.Contains(new UInt128(12345, 67890)));
        Assert.Equal(10_000, set.Count);
    }

    [Fact]
    public void Only_the_sequential_checker_skips_coyote_rewriting()
    {
        static bool Skips(Type type) => type.GetCustomAttribute<SkipRewritingAttribute>() is not null;
        Assert.All(new[] { typeof(PackedSpec), typeof(PackedLayout), typeof(FingerprintSet), typeof(StateKey), typeof(SpecChecker), typeof(SpecAlphabet) },
            type => Assert.True(Skips(type), $"{type.Name} is rewritten"));

        // Everything a Coyote scenario runs must stay rewritten: workloads, scenarios, monitors, the core.
        var controlled = typeof(World).Assembly.GetTypes()
            .Where(t => t.Namespace is { } ns && (ns.EndsWith(".Workloads", StringComparison.Ordinal) || ns.EndsWith(".Scenarios", StringComparison.Ordinal)
                || ns.EndsWith(".Monitors", StringComparison.Ordinal)))
            .Concat(typeof(Host).Assembly.GetTypes())
            .ToArray();
        Assert.NotEmpty(controlled);
        Assert.DoesNotContain(controlled, Skips);
        Assert.True(RewritingEngine.IsAssemblyRewritten(typeof(PackedSpec).Assembly), "the model assembly is not rewritten");
    }

    /// <summary>
    /// Compares the specification of <paramref name="profile"/> with a packed engine that runs <paramref name="broken"/>
    /// on a one-domain host; they must differ, and the first difference is returned.
    /// </summary>
    private static string FirstDifferenceOfABrokenEngine(Profile profile, Profile broken)
    {
        var report = PackedEquivalence.Compare(profile, Parse("nodes=1 pages=3 domains=1 sizes=3 without=offline,maxmem"), packedProfile: broken);
        Assert.False(report.Equivalent);
        return report.FirstDifference!;
    }

    private static SpecBound Parse(string text) =>
        SpecBound.Parse(text, out var error) ?? throw new InvalidOperationException(error);
}
