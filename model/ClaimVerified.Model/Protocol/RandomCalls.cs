using System.Collections.Immutable;
using ClaimVerified.Profiles;
using ClaimVerified.Specification;

namespace ClaimVerified.Model.Protocol;

/// <summary>
/// Random public calls over a few domains, for the checker's random phases: every operation the protocol carries,
/// with sizes around the host's (a claim of 0 releases; sizes past the host, past max_pages and below zero too),
/// callers that are mostly the toolstack and sometimes a guest or Xen, and domids that exist, existed or never will.
/// The same seed gives the same calls (SplitMix64; System.Random is banned in the model).
/// </summary>
/// <param name="oneHypercallEach">
/// Draw only calls that are one hypercall in Xen: a kill as its continuations (kill-step), never to completion, and no
/// destroy. What the concurrent phase draws: domain_kill to completion is several XEN_DOMCTL_destroydomain hypercalls,
/// and others run between them in Xen (and in the core), so as one operation it is not atomic, and a history with it
/// could not be judged against the specification's one-step kill.
/// </param>
public sealed class RandomCalls(ulong seed, Profile profile, HostConfig host, bool oneHypercallEach = false)
{
    /// <summary>Domids the calls name: 1..this (a few more than any history creates, so some never exist).</summary>
    public const int DomIds = 4;

    private ulong state = seed;

    /// <summary>One call; <paramref name="created"/> is how many domains were created so far (their domids are 1..created).</summary>
    public Operation Next(int created)
    {
        var total = host.TotalPages;
        var domid = Domain(created);
        var node = Below(4) == 0 ? Operation.AnyNode : (int)Below(host.NodeCount + (Below(8) == 0 ? 1 : 0));
        var by = Caller(domid);
        return Below(100) switch
        {
            < 12 => new CreateDomain(by, Size(total)),
            < 24 => new ClaimPages(by, domid, Below(5) == 0 ? 0 : Size(total), profile.SoftClaims && Below(3) == 0),
            < 30 => new ClaimMemory(by, domid, Entries()),
            < 46 => new Populate(by, domid, Order(), node, node != Operation.AnyNode && Below(2) == 0),
            < 50 => new AllocExtraPages(by, domid, Order(), node, node != Operation.AnyNode && Below(2) == 0),
            < 56 => new DecreaseReservation(by, domid, Order()),
            < 59 => new SharePage(by, domid),
            < 62 => new OfflinePage(Below(2) == 0 ? ClaimVerified.Caller.Xen : by, Math.Max(0, node)),
            < 65 => new AllocXenHeap(ClaimVerified.Caller.Xen, Order(), node),
            < 67 => new FreeXenHeap(ClaimVerified.Caller.Xen, Below(3)),
            < 70 => new TmemPut(Guest(domid), domid, Below(2) == 0 ? TmemPool.Ephemeral : TmemPool.Persistent),
            < 72 => new TmemFlush(Guest(domid), domid, Below(2) == 0 ? TmemPool.Ephemeral : TmemPool.Persistent),
            < 73 => new TmemFlushAll(Control, Below(3)),
            < 77 => new SetMaxPages(by, domid, Size(total)),
            < 80 when !oneHypercallEach => new DomainKill(by, domid),
            < 83 => new KillContinuation(by, domid),
            < 85 when !oneHypercallEach => new DestroyDomain(by, domid),
            < 85 => new KillContinuation(by, domid),
            // One node, every node (the reset), or none: XEN_DOMCTL_setnodeaffinity.
            < 87 => new SetNodeAffinity(by, domid, Below(4) switch { 0 => ulong.MaxValue, 1 => 0, _ => 1UL << (int)Below(host.NodeCount) }),
            < 93 => new Specification.PhysInfo(),
            _ => new GetDomainInfo(domid),
        };
    }

    private static Caller Control => ClaimVerified.Caller.Control;

    /// <summary>Mostly an existing domain; sometimes one not created yet, or domid 0 (dom0 itself, which the model does not hold).</summary>
    private int Domain(int created) => Below(10) switch
    {
        0 => (int)Below(DomIds + 1),
        _ => 1 + (int)Below(Math.Max(1, Math.Min(created, DomIds))),
    };

    private Caller Caller(int domid) => Below(10) switch
    {
        0 => Guest(domid),
        1 => ClaimVerified.Caller.Guest(1 + (int)Below(DomIds)),
        _ => Control,
    };

    private static Caller Guest(int domid) => ClaimVerified.Caller.Guest(domid);

    /// <summary>A size in pages: mostly within the host, sometimes just past it, now and then negative.</summary>
    private long Size(long total) => Below(20) switch
    {
        0 => -1 - Below(2),
        1 => total + 1 + Below(2),
        _ => Below(total + 1),
    };

    /// <summary>Mostly order 0 (the hosts are small), sometimes 9, or a bad order.</summary>
    private int Order() => Below(20) switch
    {
        0 => 9,
        1 => 31,
        _ => 0,
    };

    private ImmutableArray<ClaimEntry> Entries()
    {
        var count = 1 + (int)Below(2);
        return [.. Enumerable.Range(0, count).Select(_ => new ClaimEntry(Below(host.PagesPerNode + 1), Below(4) == 0 ? ClaimEntry.Global : (int)Below(host.NodeCount)))];
    }

    private long Below(long bound)
    {
        state += 0x9E3779B97F4A7C15UL;
        var z = state;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return bound <= 1 ? 0 : (long)(z % (ulong)bound);
    }
}
