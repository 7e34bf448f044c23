using System.Text;
using CsCheck;
using ClaimVerified.Model.Conformance;
using ClaimVerified.Model.Scenarios;
using ClaimVerified.Profiles;
using ClaimVerified.Tests.Core;
using S = ClaimVerified.Specification;

namespace ClaimVerified.Tests.Spec;

/// <summary>
/// Runs one operation sequence on a fresh core host and on the specification, step by step, and reports the first
/// step where the outcomes or the comparable projections differ.
/// </summary>
public static class Differential
{
    /// <summary>Null when the core and the specification agree on every step; else a report for humans.</summary>
    public static string? FirstDisagreement(Profile profile, HostConfig config, IReadOnlyList<S.Operation> operations)
    {
        var host = new Host(profile, config);
        var state = S.Spec.Init(profile, config);
        var trace = new StringBuilder();
        var before = S.Projection.Of(host.Snapshot());
        if (before != state.ToComparable())
        {
            return $"initial states differ:{Environment.NewLine}core: {before}{Environment.NewLine}spec: {state.ToComparable()}";
        }

        for (var i = 0; i < operations.Count; i++)
        {
            var op = operations[i];
            var coreResult = OperationRunner.Apply(host, op);
            var (specResult, next) = S.Spec.Step(profile, state, op);
            var coreView = S.Projection.Of(host.Snapshot());
            var specView = next.ToComparable();
            if (coreResult != specResult || coreView != specView)
            {
                return $"profile {profile.Name}, host {config.NodeCount}x{config.PagesPerNode}"
                    + (config.LlcColouring ? " llc" : "") + Environment.NewLine
                    + trace
                    + $"step {i}: {op.Describe()}: core {coreResult}, spec {specResult}" + Environment.NewLine
                    + "spec before:" + Environment.NewLine + S.Spec.Describe(state) + Environment.NewLine
                    + "core after:" + Environment.NewLine + coreView + Environment.NewLine
                    + "spec after:" + Environment.NewLine + specView;
            }

            trace.Append($"step {i}: {op.Describe()} -> {specResult}").AppendLine();
            state = next;
        }

        return null;
    }

    /// <summary>
    /// Removes operations from a disagreeing sequence while it still disagrees (halves, then quarters, down to single
    /// operations), so that the report shows a short sequence rather than CsCheck's smallest random one.
    /// </summary>
    public static IReadOnlyList<S.Operation> Minimise(Profile profile, HostConfig config, IReadOnlyList<S.Operation> operations)
    {
        var current = operations.ToList();
        for (var chunk = Math.Max(1, current.Count / 2); chunk >= 1; chunk /= 2)
        {
            for (var start = 0; start + chunk <= current.Count;)
            {
                var candidate = current.Take(start).Concat(current.Skip(start + chunk)).ToList();
                if (FirstDisagreement(profile, config, candidate) is not null)
                {
                    current = candidate;
                }
                else
                {
                    start += chunk;
                }
            }
        }

        return current;
    }

    /// <summary>CsCheck's report of a failing sample: the sequence minimised, and where core and spec part ways.</summary>
    public static string Report(Profile profile, HostConfig config, IReadOnlyList<S.Operation> operations)
    {
        var minimal = Minimise(profile, config, operations);
        return "minimal: " + Print(config, minimal) + Environment.NewLine
            + FirstDisagreement(profile, config, minimal) + Environment.NewLine
            + "as generated: " + Print(config, operations);
    }

    /// <summary>A sequence on one line, for humans.</summary>
    public static string Print(HostConfig config, IReadOnlyList<S.Operation> operations) =>
        $"host {config.NodeCount}x{config.PagesPerNode}{(config.LlcColouring ? " llc" : "")}: "
        + string.Join("; ", operations.Select(op => op.Describe()));
}

/// <summary>
/// Generators of small hosts and operation sequences that reach every path of every profile. Sizes are drawn
/// relative to the host (so claims and allocations contend), a few invalid values keep the argument checks covered,
/// and every sequence starts by creating one to three domains so that most calls name a domain that exists.
/// </summary>
public static class SpecGen
{
    private const int Any = S.Operation.AnyNode;

    public static readonly Gen<HostConfig> Config =
        Gen.Select(Gen.Int[1, 2], Gen.OneOf(4L, 600L, 1024L, 1536L, 4096L), Gen.Frequency((9, Gen.Const(false)), (1, Gen.Const(true))),
            (nodes, pages, llc) => new HostConfig(nodes, pages, llc));

    private static readonly Gen<Caller> Caller = Gen.Frequency(
        (12, Gen.Const(ClaimVerified.Caller.Control)),
        (1, Gen.Const(ClaimVerified.Caller.Xen)),
        (2, Gen.Int[1, 3].Select(ClaimVerified.Caller.Guest)));

    /// <summary>Mostly Xen itself, for the calls only Xen may make.</summary>
    private static readonly Gen<Caller> XenCaller = Gen.Frequency((6, Gen.Const(ClaimVerified.Caller.Xen)), (1, Caller));

    private static readonly Gen<int> DomId = Gen.Frequency((1, Gen.Const(0)), (20, Gen.Int[1, 3]), (2, Gen.Const(4)));

    private static readonly Gen<int> Order = Gen.Frequency((6, Gen.Const(0)), (8, Gen.Const(9)), (1, Gen.Const(18)), (1, Gen.Const(3)));

    private static readonly Gen<TmemPool> Pool = Gen.OneOf(TmemPool.Ephemeral, TmemPool.Persistent);

    /// <summary>A page count for a host of <paramref name="total"/> pages: eighths of it, a few exact sizes, rarely invalid.</summary>
    private static Gen<long> Size(long total) => Gen.Frequency(
        (8, Gen.Int[0, 9].Select(k => total * k / 8)),
        (4, Gen.OneOf(1L, 2L, 511L, 512L, 513L, 1024L, 1025L)),
        (1, Gen.OneOf(-1L, total + 1)));

    private static Gen<int> Node(int nodes) => Gen.Frequency((6, Gen.Const(Any)), (6, Gen.Int[0, nodes - 1]), (1, Gen.Const(nodes)));

    private static Gen<ClaimEntry> Entry(HostConfig config) => Gen.Select(
        Gen.Frequency(
            (6, Gen.Int[0, 4].Select(k => config.PagesPerNode * k / 4)),
            (3, Gen.OneOf(1L, 512L, 1024L)),
            (1, Gen.OneOf(-1L, config.TotalPages + 1))),
        Gen.Frequency((4, Gen.Const(ClaimEntry.Global)), (6, Gen.Int[0, config.NodeCount - 1]), (1, Gen.Const(config.NodeCount))),
        (pages, target) => new ClaimEntry(pages, target));

    public static Gen<S.Operation> Operation(HostConfig config)
    {
        var size = Size(config.TotalPages);
        var node = Node(config.NodeCount);
        return Gen.Frequency<S.Operation>(
            (3, Gen.Select(Caller, size, (c, m) => (S.Operation)new S.CreateDomain(c, m))),
            (3, Gen.Select(Caller, DomId, size, (c, d, m) => (S.Operation)new S.SetMaxPages(c, d, m))),
            (10, Gen.Select(Caller, DomId, size, Gen.Frequency((5, Gen.Const(false)), (1, Gen.Const(true))),
                (c, d, p, soft) => (S.Operation)new S.ClaimPages(c, d, p, soft))),
            (6, Gen.Select(Caller, DomId, Entry(config).Array[0, config.NodeCount + 2],
                (c, d, e) => (S.Operation)new S.ClaimMemory(c, d, [.. e]))),
            (16, Gen.Select(Caller, DomId, Order, node, Gen.Bool, Gen.Bool, (c, d, o, n, exact, preempted) => (S.Operation)new S.Populate(c, d, o, n, exact && n != Any, preempted))),
            (2, Gen.Select(Caller, DomId, (c, d) => (S.Operation)new S.Unpause(c, d))),
            (3, Gen.Select(Caller, DomId, Order, node, Gen.Bool, (c, d, o, n, exact) => (S.Operation)new S.AllocExtraPages(c, d, o, n, exact && n != Any))),
            (3, Gen.Select(XenCaller, Order, node, Gen.Bool, (c, o, n, exact) => (S.Operation)new S.AllocXenHeap(c, o, n, exact && n != Any))),
            // Node affinity: one node, two, none, every one (the reset), and a node beyond every host.
            (3, Gen.Select(Caller, DomId, Gen.OneOf(1UL, 2UL, 3UL, 0UL, ulong.MaxValue, 1UL << 63),
                (c, d, nodes) => (S.Operation)new S.SetNodeAffinity(c, d, nodes))),
            (2, Gen.Select(XenCaller, Gen.OneOf(0L, 1L, 512L, 700L), (c, p) => (S.Operation)new S.FreeXenHeap(c, p))),
            (6, Gen.Select(Caller, DomId, Order, (c, d, o) => (S.Operation)new S.DecreaseReservation(c, d, o))),
            (3, Gen.Select(Caller, DomId, (c, d) => (S.Operation)new S.SharePage(c, d))),
            (4, Gen.Select(Caller, Gen.Frequency((8, Gen.Int[0, config.NodeCount - 1]), (1, Gen.OneOf(-1, config.NodeCount))), (c, n) => (S.Operation)new S.OfflinePage(c, n))),
            (5, Gen.Select(Caller, DomId, Pool, (c, d, p) => (S.Operation)new S.TmemPut(c, d, p))),
            (3, Gen.Select(Caller, DomId, Pool, (c, d, p) => (S.Operation)new S.TmemFlush(c, d, p))),
            (2, Gen.Select(Caller, Gen.OneOf(-1L, 0L, 1L, 3L, ClaimVerified.Host.MaxTmemFlushPages + 1),
                (c, p) => (S.Operation)new S.TmemFlushAll(c, p))),
            (2, Gen.Select(Caller, DomId, (c, d) => (S.Operation)new S.DomainKill(c, d))),
            (3, Gen.Select(Caller, DomId, (c, d) => (S.Operation)new S.KillContinuation(c, d))),
            (2, Gen.Select(Caller, DomId, (c, d) => (S.Operation)new S.DestroyDomain(c, d))),
            (1, Gen.Const<S.Operation>(new S.PhysInfo())),
            (1, DomId.Select(d => (S.Operation)new S.GetDomainInfo(d))));
    }

    /// <summary>One to three domains, most able to hold the whole host or half of it.</summary>
    private static Gen<S.Operation[]> Prologue(HostConfig config) =>
        Gen.OneOf(config.TotalPages, config.TotalPages / 2, 1024L, config.TotalPages / 4)
            .Select(max => (S.Operation)new S.CreateDomain(ClaimVerified.Caller.Control, max))
            .Array[1, 3];

    public static readonly Gen<(HostConfig, S.Operation[])> Scenario =
        Config.SelectMany(config => Gen.Select(Prologue(config), Operation(config).Array[1, 60],
            (prologue, body) => (config, prologue.Concat(body).ToArray())));
}

public class DifferentialTests
{
    public static TheoryData<string> ProfileNames() => [.. Catalogue.All.Select(p => p.Name)];

    /// <summary>
    /// For every profile: random sequences on small hosts, run on a fresh core and on the specification; after every
    /// step the outcomes and the projections must be equal. A failure prints the shrunk sequence.
    /// </summary>
    [Theory]
    [MemberData(nameof(ProfileNames))]
    public void CoreMatchesSpecSequentially(string profileName)
    {
        var profile = Catalogue.Get(profileName);
        SpecGen.Scenario.Sample(
            (config, operations) =>
            {
                var report = Differential.FirstDisagreement(profile, config, operations);
                if (report is not null)
                {
                    throw new InvalidOperationException(report);
                }
            },
            iter: 6000,
            print: sample => Differential.Report(profile, sample.Item1, sample.Item2));
    }
}
