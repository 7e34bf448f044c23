using static ClaimVerified.Tests.Core.CoreKit;

namespace ClaimVerified.Tests.Core;

/// <summary>XEN_DOMCTL_claim_memory, the NUMA claim-sets proposal (v7), as the claim-sets profile models it (xen-notes.md Q9).</summary>
public sealed class ClaimSetsTests
{
    private const int G = ClaimEntry.Global;

    /// <summary>Two nodes of 1024 pages and a domain allowed <paramref name="maxPages"/> (by default all 2048).</summary>
    private static (Host Host, int Domid) OneDomain(long maxPages = 2048) =>
        WithDomain("claim-sets", maxPages, nodes: 2, pagesPerNode: 1024);

    /// <summary>Two nodes of 1024 pages and two domains each allowed all 2048 of them.</summary>
    private static (Host Host, int D1, int D2) TwoDomains()
    {
        var (host, d1) = OneDomain();
        return (host, d1, Create(host, 2048));
    }

    /// <summary>A domain on two nodes (see <see cref="OneDomain"/>) that has installed the claim set <paramref name="entries"/>.</summary>
    private static (Host Host, int Domid) Claiming(params (long Pages, int Target)[] entries)
    {
        var (host, d) = OneDomain();
        Ok(host.ClaimMemory(Caller.Control, d, Set(entries)), "claim set");
        return (host, d);
    }

    private static ClaimEntry[] Set(params (long Pages, int Target)[] entries) =>
        entries.Select(e => new ClaimEntry(e.Pages, e.Target)).ToArray();

    private static long[] NodeClaims(Host host, int domid) => Info(host, domid).NodeOutstandingPages.ToArray();

    [Fact]
    public void Per_node_and_global_entries_are_installed_together()
    {
        var (host, d) = OneDomain();

        Ok(host.ClaimMemory(Caller.Control, d, Set((100, 0), (200, 1), (50, G))));

        Assert.Equal(350, Claim(host, d));
        Assert.Equal("100,200", Csv(NodeClaims(host, d)));
        var physinfo = host.PhysInfo();
        Assert.Equal(350, physinfo.OutstandingPages);
        Assert.Equal("100,200", Csv(physinfo.NodeOutstandingPages));
        AssertConserved(host);
    }

    [Fact]
    public void A_node_entry_must_fit_in_the_nodes_unclaimed_free_pages()
    {
        var (host, d1, d2) = TwoDomains();

        AssertFailsUnchanged(host, Errno.ENOMEM, h => h.ClaimMemory(Caller.Control, d1, Set((1025, 0))), "bigger than the node");
        Ok(host.ClaimMemory(Caller.Control, d2, Set((1000, 0))));
        AssertFailsUnchanged(host, Errno.ENOMEM, h => h.ClaimMemory(Caller.Control, d1, Set((25, 0))), "node 0 is claimed");
        Ok(host.ClaimMemory(Caller.Control, d1, Set((24, 0), (1000, 1))));
        AssertConserved(host);
    }

    [Fact]
    public void The_whole_set_must_fit_in_the_hosts_unclaimed_free_pages()
    {
        var (host, d1, d2) = TwoDomains();
        Ok(host.ClaimMemory(Caller.Control, d2, Set((1500, G))));

        AssertFailsUnchanged(host, Errno.ENOMEM, h => h.ClaimMemory(Caller.Control, d1, Set((549, G))));
        AssertFailsUnchanged(host, Errno.ENOMEM, h => h.ClaimMemory(Caller.Control, d1, Set((300, 0), (249, 1))),
            "each node has room, the host does not");
        AssertFailsUnchanged(host, Errno.ENOMEM, h => h.ClaimPages(Caller.Control, d1, 549), "the legacy call");
        Ok(host.ClaimMemory(Caller.Control, d1, Set((300, 0), (248, 1))));
        Assert.Equal(2048, Outstanding(host));
    }

    [Fact]
    public void Tot_pages_plus_every_claim_must_not_exceed_max_pages()
    {
        var (host, d) = OneDomain(1000);
        Ok(host.Populate(Caller.Control, d, 9));

        AssertFailsUnchanged(host, Errno.EINVAL, h => h.ClaimMemory(Caller.Control, d, Set((300, 0), (189, G))));
        Ok(host.ClaimMemory(Caller.Control, d, Set((300, 0), (188, G))));
        Assert.Equal(488, Claim(host, d));
    }

    [Fact]
    public void Malformed_sets_are_refused()
    {
        var (host, d) = OneDomain();
        var tooMany = Enumerable.Range(0, ClaimEntry.MaxEntries + 1).Select(n => (0L, n)).ToArray();

        AssertFailsUnchanged(host, Errno.EINVAL, h => h.ClaimMemory(Caller.Control, d, []), "empty");
        AssertFailsUnchanged(host, Errno.E2BIG, h => h.ClaimMemory(Caller.Control, d, Set(tooMany)), "more than MAX_NUMNODES + 1 entries");
        Assert.NotEqual(Errno.E2BIG, host.ClaimMemory(Caller.Control, d, Set(tooMany[..ClaimEntry.MaxEntries])).Errno);
        AssertFailsUnchanged(host, Errno.EINVAL, h => h.ClaimMemory(Caller.Control, d, Set((1, 0), (2, 0))), "duplicate node");
        AssertFailsUnchanged(host, Errno.EINVAL, h => h.ClaimMemory(Caller.Control, d, Set((0, 0), (2, 0))),
            "duplicate node, first entry zero");
        AssertFailsUnchanged(host, Errno.EINVAL, h => h.ClaimMemory(Caller.Control, d, Set((1, G), (2, G))), "duplicate global");
        AssertFailsUnchanged(host, Errno.EINVAL, h => h.ClaimMemory(Caller.Control, d, Set((0, G), (2, G))),
            "duplicate global, first entry zero");
        AssertFailsUnchanged(host, Errno.ENOENT, h => h.ClaimMemory(Caller.Control, d, Set((1, 2))), "node 2 is not online");
        AssertFailsUnchanged(host, Errno.ENOENT, h => h.ClaimMemory(Caller.Control, d, Set((1, 64))), "beyond MAX_NUMNODES");
        AssertFailsUnchanged(host, Errno.ENOENT, h => h.ClaimMemory(Caller.Control, d, Set((1, -7))), "a target that is no node");
        AssertFailsUnchanged(host, Errno.ENOENT, h => h.ClaimMemory(Caller.Control, d, Set((1, 0), (1, ClaimEntry.Legacy))),
            "LEGACY among other entries is a target beyond MAX_NUMNODES");
        AssertFailsUnchanged(host, Errno.EINVAL, h => h.ClaimMemory(Caller.Control, d, Set((-1, 0))), "negative");
        AssertFailsUnchanged(host, Errno.ENOMEM, h => h.ClaimMemory(Caller.Control, d, Set((long.MaxValue, 0))), "huge on a node");
        AssertFailsUnchanged(host, Errno.EINVAL, h => h.ClaimMemory(Caller.Control, d, Set((long.MaxValue, G))), "huge global: max_pages");
        AssertFailsUnchanged(host, Errno.EPERM, h => h.ClaimMemory(Caller.Guest(d), d, Set((1, 0))), "a guest");
    }

    [Fact]
    public void Entries_are_checked_in_array_order_and_all_of_them_before_max_pages_and_the_host()
    {
        var (host, d) = OneDomain(maxPages: 100);

        // The first failing entry decides: a node over capacity before a bad node, a bad node before a duplicate.
        AssertFailsUnchanged(host, Errno.ENOMEM, h => h.ClaimMemory(Caller.Control, d, Set((1025, 0), (1, 9))));
        AssertFailsUnchanged(host, Errno.ENOENT, h => h.ClaimMemory(Caller.Control, d, Set((1, 9), (1025, 0))));
        AssertFailsUnchanged(host, Errno.EINVAL, h => h.ClaimMemory(Caller.Control, d, Set((1, 0), (1, 0), (1, 9))), "duplicate first");

        // Per-node ENOMEM comes before the max_pages EINVAL (v7 checks max_pages only after every entry).
        AssertFailsUnchanged(host, Errno.ENOMEM, h => h.ClaimMemory(Caller.Control, d, Set((200, G), (1025, 1))));
        AssertFailsUnchanged(host, Errno.EINVAL, h => h.ClaimMemory(Caller.Control, d, Set((200, G), (1024, 1))));
    }

    [Fact]
    public void The_domain_and_the_caller_are_checked_before_the_set_and_dying_after_its_shape()
    {
        var (host, d, gone) = TwoDomains();
        Ok(host.DestroyDomain(Caller.Control, gone));

        // do_domctl: the lookup, then XSM, whatever the set holds.
        AssertFailsUnchanged(host, Errno.ESRCH, h => h.ClaimMemory(Caller.Guest(gone), gone, []));
        AssertFailsUnchanged(host, Errno.EPERM, h => h.ClaimMemory(Caller.Guest(d), d, []));

        // claim_memory: the set's length before the dying check.
        Ok(host.DomainKill(Caller.Control, d));
        AssertFailsUnchanged(host, Errno.EINVAL, h => h.ClaimMemory(Caller.Control, d, []));
        AssertFailsUnchanged(host, Errno.ESRCH, h => h.ClaimMemory(Caller.Control, d, Set((1, 9))), "dying before the entries");
    }

    [Fact]
    public void A_lone_legacy_entry_follows_XENMEM_claim_pages_rules()
    {
        var (host, d) = OneDomain();
        const int L = ClaimEntry.Legacy;
        Ok(host.Populate(Caller.Control, d, 0));

        // An absolute target: the claim is the target less tot.
        AssertFailsUnchanged(host, Errno.EINVAL, h => h.ClaimMemory(Caller.Control, d, Set((1, L))), "target not above tot");
        Ok(host.ClaimMemory(Caller.Control, d, Set((300, L))));
        Assert.Equal(299, Claim(host, d));
        Assert.Equal("0,0", Csv(NodeClaims(host, d)));

        // No replacement, unlike a claim set; 0 releases.
        AssertFailsUnchanged(host, Errno.EINVAL, h => h.ClaimMemory(Caller.Control, d, Set((400, L))), "already claimed");
        Ok(host.ClaimMemory(Caller.Control, d, Set((0, L))));
        Assert.Equal(0, Outstanding(host));
        AssertConserved(host);
    }

    [Fact]
    public void Offlining_recalls_node_claims_then_global_claims_domain_by_domain_only_the_excess()
    {
        var (host, d1, d2) = TwoDomains();
        Ok(host.ClaimMemory(Caller.Control, d1, Set((1000, 0))));
        Ok(host.ClaimMemory(Caller.Control, d2, Set((24, 0), (10, G))));

        // Node 0 holds 1024 free pages and 1024 claimed on it: the offlined page's claim comes off d1 first (domid order).
        Ok(host.OfflinePage(Caller.Control, 0));
        Assert.Equal("999,0", Csv(NodeClaims(host, d1)));
        Assert.Equal("24,0", Csv(NodeClaims(host, d2)));
        Assert.Equal(999, Claim(host, d1));
        Assert.Equal("1023,0", Csv(host.PhysInfo().NodeOutstandingPages));

        // Node 1's pages are unclaimed there, but the host's claims then exceed its free pages: global claims pay.
        for (var i = 0; i < 1024 - 10; i++)
        {
            Ok(host.OfflinePage(Caller.Control, 1));
        }

        Assert.Equal(1033, Outstanding(host));
        Ok(host.OfflinePage(Caller.Control, 1));
        Assert.Equal(9, Claim(host, d2) - NodeClaims(host, d2).Sum());
        Assert.Equal(1032, Outstanding(host));
        Assert.Equal(Free(host), Outstanding(host));
        AssertConserved(host);
    }

    [Fact]
    public void Offlining_an_unclaimed_page_recalls_nothing()
    {
        var (host, d) = Claiming((100, 0), (50, G));

        Ok(host.OfflinePage(Caller.Control, 0));
        Ok(host.OfflinePage(Caller.Control, 1));

        Assert.Equal(150, Claim(host, d));
        Assert.Equal("100,0", Csv(NodeClaims(host, d)));
        AssertConserved(host);
    }

    [Fact]
    public void A_dying_or_unknown_domain_is_ESRCH()
    {
        var (host, d, gone) = TwoDomains();
        Ok(host.DestroyDomain(Caller.Control, gone));
        Ok(host.DomainKill(Caller.Control, d));

        AssertFailsUnchanged(host, Errno.ESRCH, h => h.ClaimMemory(Caller.Control, d, Set((1, 0))), "dying");
        AssertFailsUnchanged(host, Errno.ESRCH, h => h.ClaimMemory(Caller.Control, gone, Set((1, 0))), "destroyed");
        AssertFailsUnchanged(host, Errno.ESRCH, h => h.ClaimMemory(Caller.Control, 4242, Set((1, 0))), "unknown");
    }

    [Fact]
    public void LLC_colouring_refuses_claim_sets()
    {
        var (host, d) = WithDomain("claim-sets", 2048, nodes: 2, pagesPerNode: 1024, llc: true);
        AssertFailsUnchanged(host, Errno.EOPNOTSUPP, h => h.ClaimMemory(Caller.Control, d, Set((1, 0))));
    }

    [Theory]
    [AllProfiles]
    public void Only_the_claim_sets_profiles_have_the_domctl(string profile)
    {
        var (host, d) = WithDomain(profile, 2048, nodes: 2, pagesPerNode: 1024);
        if (profile is "claim-sets" or "reference")
        {
            Ok(host.ClaimMemory(Caller.Control, d, Set((1, 0))));
        }
        else
        {
            AssertFailsUnchanged(host, Errno.ENOSYS, h => h.ClaimMemory(Caller.Control, d, Set((1, 0))), "an unknown domctl");
        }
    }

    [Fact]
    public void All_zero_entries_release_the_whole_set()
    {
        var (host, d) = Claiming((100, 0), (200, 1), (50, G));

        Ok(host.ClaimMemory(Caller.Control, d, Set((0, 1))));

        Assert.Equal(0, Claim(host, d));
        Assert.Equal("0,0", Csv(NodeClaims(host, d)));
        Assert.Equal("0,0", Csv(host.PhysInfo().NodeOutstandingPages));
        Assert.Equal(0, Outstanding(host));
    }

    [Fact]
    public void The_legacy_call_and_domain_kill_release_node_claims_too()
    {
        var (host, d1, d2) = TwoDomains();
        Ok(host.ClaimMemory(Caller.Control, d1, Set((100, 0), (200, 1))));
        Ok(host.ClaimMemory(Caller.Control, d2, Set((300, 0), (50, G))));

        Ok(host.ClaimPages(Caller.Control, d1, 0));
        Assert.Equal("300,0", Csv(host.PhysInfo().NodeOutstandingPages));
        Ok(host.DomainKill(Caller.Control, d2));

        Assert.Equal("0,0", Csv(host.PhysInfo().NodeOutstandingPages));
        Assert.Equal(0, Outstanding(host));
        AssertConserved(host);
    }

    [Fact]
    public void Allocation_consumes_the_allocating_nodes_claim_then_the_global_claim_then_other_nodes()
    {
        var (host, d) = Claiming((10, 0), (600, G), (600, 1));

        Ok(host.Populate(Caller.Control, d, 9, node: 0));
        Assert.Equal("0,600", Csv(NodeClaims(host, d))); // node 0's 10 first ...
        Assert.Equal(698, Claim(host, d)); // ... then 502 of the global 600

        Ok(host.Populate(Caller.Control, d, 9, node: 0));
        Assert.Equal("0,186", Csv(NodeClaims(host, d))); // global 98 gone, then 414 of node 1's claim
        Assert.Equal(186, Claim(host, d));
        Assert.Equal("0,186", Csv(host.PhysInfo().NodeOutstandingPages));
        AssertConserved(host);
    }

    [Fact]
    public void Allocation_on_a_claimed_node_uses_that_nodes_claim_first()
    {
        var (host, d) = Claiming((100, 0), (100, G), (100, 1));

        Ok(host.Populate(Caller.Control, d, 0, node: 1));

        Assert.Equal("100,99", Csv(NodeClaims(host, d)));
        Assert.Equal(299, Claim(host, d));
    }

    [Fact]
    public void Another_domain_cannot_allocate_a_nodes_claimed_pages()
    {
        var (host, d1, d2) = TwoDomains();
        Ok(host.ClaimMemory(Caller.Control, d1, Set((1024, 0))));

        AssertFailsUnchanged(host, Errno.ENOMEM, h => h.Populate(Caller.Control, d2, 0, node: 0, exact: true));
        Ok(host.Populate(Caller.Control, d2, 9, node: 1));
        Ok(host.Populate(Caller.Control, d2, 9)); // any node: the allocator skips node 0
        Assert.Equal("1024,0", Csv(host.PhysInfo().NodeFreePages));
        Ok(host.Populate(Caller.Control, d1, 9, node: 0));
        Assert.Equal(512, Claim(host, d1));
        AssertConserved(host);
    }
}
