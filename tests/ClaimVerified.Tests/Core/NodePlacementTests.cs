using CsCheck;
using ClaimVerified.Profiles;
using static ClaimVerified.Tests.Core.CoreKit;

namespace ClaimVerified.Tests.Core;

/// <summary>
/// Where an allocation lands (issue "Fidelity, second pass (2)", item 2). Xen's alloc_heap_pages (RELEASE-4.3.0;
/// get_free_buddy from 4.10, RELEASE-4.22.0) tries the nodes in turn from a start node and takes the first that fits:
/// a named node first, then, unless the request is exact, the nodes after it; with no node named, a domain starts on
/// the node after the one its last allocation came from (d->last_alloc_node, 0 at creation, 91c6005e01), so that its
/// extents go round the nodes; Xen's own heap starts on the current CPU's node (node 0 here). Every profile has this.
/// From 2fece35303 (4.10) only the control domain may name a node.
/// </summary>
public sealed class NodePlacementTests
{
    private static string Free(Host host) => Csv(host.PhysInfo().NodeFreePages);

    [Theory]
    [AllProfiles]
    public void A_domains_extents_go_round_the_nodes_starting_after_node_0(string profile)
    {
        var (host, d) = WithDomain(profile, 64, nodes: 3, pagesPerNode: 8);
        Ok(host.Populate(Caller.Control, d, 0));
        Assert.Equal("8,7,8", Free(host)); // last_alloc_node starts at 0: the first extent goes to node 1
        Ok(host.Populate(Caller.Control, d, 0));
        Ok(host.Populate(Caller.Control, d, 0));
        Assert.Equal("7,7,7", Free(host)); // then node 2, then round to node 0
        Ok(host.Populate(Caller.Control, d, 0));
        Assert.Equal("7,6,7", Free(host));
        AssertConserved(host);
    }

    /// <summary>
    /// Any sequence of one domain's extents on a host with room everywhere: one that names no node lands on the node
    /// after the one the domain's previous extent landed on (node 1 for the first), whatever node the named ones took.
    /// </summary>
    [Theory]
    [AllProfiles]
    public void With_room_everywhere_an_extent_that_names_no_node_lands_after_the_previous_one(string profile)
    {
        var steps = Gen.Select(Gen.Int[-1, 3], Gen.Bool, Gen.Bool).Array[1, 24];
        Gen.Select(Gen.Int[2, 4], steps).Sample((nodes, calls) =>
        {
            var (host, d) = WithDomain(profile, 4096, nodes, pagesPerNode: 1024);
            var previous = 0;
            foreach (var (wanted, exact, extra) in calls)
            {
                var node = wanted < 0 ? Host.AnyNode : wanted % nodes;
                var before = host.PhysInfo().NodeFreePages.ToArray();
                var result = extra && Catalogue.Get(profile).ExtraPages != ExtraPagesMode.Refused
                    ? host.AllocExtraPages(Caller.Control, d, 0, node, exact)
                    : host.Populate(Caller.Control, d, 0, node, exact);
                Assert.True(result.IsOk, result.ToString());
                var landed = Enumerable.Range(0, nodes).Single(n => host.PhysInfo().NodeFreePages[n] == before[n] - 1);
                Assert.Equal(node == Host.AnyNode ? (previous + 1) % nodes : node, landed);
                previous = landed;
            }

            AssertConserved(host);
        }, iter: 200, seed: new PCG(14, 2).ToString(), threads: 1);
    }

    [Theory]
    [AllProfiles]
    public void Each_domain_goes_round_on_its_own(string profile)
    {
        var (host, d1) = WithDomain(profile, 64, nodes: 2, pagesPerNode: 8);
        var d2 = Create(host, 64);
        Ok(host.Populate(Caller.Control, d1, 0));
        Ok(host.Populate(Caller.Control, d2, 0));
        Assert.Equal("8,6", Free(host)); // both start on node 1: where one domain allocated does not move the other
        Ok(host.Populate(Caller.Control, d1, 0));
        Assert.Equal("7,6", Free(host));
    }

    [Theory]
    [AllProfiles]
    public void A_full_start_node_passes_the_extent_to_the_next_and_the_round_goes_on_from_there(string profile)
    {
        var (host, d) = WithDomain(profile, 64, nodes: 3, pagesPerNode: 4);
        Ok(host.Populate(Caller.Control, d, 0, node: 1, exact: true));
        Ok(host.Populate(Caller.Control, d, 0, node: 1, exact: true));
        Ok(host.Populate(Caller.Control, d, 0, node: 1, exact: true));
        Ok(host.Populate(Caller.Control, d, 0, node: 0, exact: true)); // last_alloc_node is now 0: the next starts on 1
        Ok(host.Populate(Caller.Control, d, 0, node: 1, exact: true));
        Assert.Equal("3,0,4", Free(host));
        Ok(host.Populate(Caller.Control, d, 0)); // starts on node 2 (after 1)
        Ok(host.Populate(Caller.Control, d, 0)); // starts on node 0 (after 2)
        Ok(host.Populate(Caller.Control, d, 0)); // starts on node 1: full, so node 2
        Assert.Equal("2,0,2", Free(host));
        Ok(host.Populate(Caller.Control, d, 0)); // after node 2: node 0
        Assert.Equal("1,0,2", Free(host));
        AssertConserved(host);
    }

    [Theory]
    [AllProfiles]
    public void A_named_node_is_tried_first_and_only_an_exact_request_stops_there(string profile)
    {
        var (host, d) = WithDomain(profile, 64, nodes: 2, pagesPerNode: 2);
        Ok(host.Populate(Caller.Control, d, 0, node: 0));
        Ok(host.Populate(Caller.Control, d, 0, node: 0));
        Assert.Equal("0,2", Free(host));
        AssertFailsUnchanged(host, Errno.ENOMEM, h => h.Populate(Caller.Control, d, 0, node: 0, exact: true), "node 0 is full");
        Ok(host.Populate(Caller.Control, d, 0, node: 0)); // not exact: node 0 is full, node 1 serves it
        Assert.Equal("0,1", Free(host));
        // Negative space: an exact request on a node with room is served there and nowhere else.
        Ok(host.Populate(Caller.Control, d, 0, node: 1, exact: true));
        Assert.Equal("0,0", Free(host));
        AssertConserved(host);
    }

    [Theory]
    [AllProfiles]
    public void Xens_own_heap_starts_on_node_0_whatever_domains_did(string profile)
    {
        var (host, d) = WithDomain(profile, 64, nodes: 2, pagesPerNode: 4);
        Ok(host.Populate(Caller.Control, d, 0));
        Ok(host.AllocXenHeap(Caller.Xen, 0));
        Ok(host.AllocXenHeap(Caller.Xen, 0));
        Assert.Equal("2,3", Free(host));
        AssertConserved(host);
    }

    [Theory]
    [InlineData("xen-4.13", true)]
    [InlineData("xen-4.22", true)]
    [InlineData("claim-sets", true)]
    [InlineData("reference", true)]
    [InlineData("xen-4.3", false)]
    [InlineData("xen-4.6", false)]
    [InlineData("seed-2012", false)]
    [InlineData("no-claims", false)]
    public void From_xen_4_10_a_guests_node_is_ignored_and_its_exact_request_refused(string profile, bool filtered)
    {
        Assert.Equal(filtered, Catalogue.Get(profile).GuestNodeRequestsFiltered);
        var (host, d) = WithDomain(profile, 64, nodes: 2, pagesPerNode: 4);
        var guest = Caller.Guest(d);
        Ok(host.Populate(guest, d, 0, node: 0));
        // Filtered: the node is ignored and the round-robin starts on node 1; else node 0 as asked.
        Assert.Equal(filtered ? "4,3" : "3,4", Free(host));
        if (filtered)
        {
            AssertFailsUnchanged(host, Errno.EINVAL, h => h.Populate(guest, d, 0, node: 0, exact: true), "a guest may not ask for an exact node");
        }
        else
        {
            Ok(host.Populate(guest, d, 0, node: 0, exact: true));
            Assert.Equal("2,4", Free(host));
        }

        // The control domain may name a node on every profile.
        Ok(host.Populate(Caller.Control, d, 0, node: 1, exact: true));
        AssertConserved(host);
    }
}

/// <summary>
/// A domain's node affinity (XEN_DOMCTL_setnodeaffinity, b5b79a12c4, 4.3): its allocations go round the affinity's
/// nodes and fall back to the others only when those are full; a named node outside it is tried first. Refused when
/// empty (4.3 to 4.12) or holding no node of the host (1ae0db5e48, 4.13); missing before 4.3.
/// </summary>
public sealed class NodeAffinityTests
{
    private static string Free(Host host) => Csv(host.PhysInfo().NodeFreePages);

    private static ulong Nodes(params int[] nodes) => nodes.Aggregate(0UL, (mask, n) => mask | (1UL << n));

    [Theory]
    [InlineData("xen-4.3")]
    [InlineData("xen-4.13")]
    [InlineData("xen-4.22")]
    [InlineData("claim-sets")]
    [InlineData("reference")]
    public void Allocations_go_round_the_affinity_and_leave_it_only_when_it_is_full(string profile)
    {
        var (host, d) = WithDomain(profile, 64, nodes: 3, pagesPerNode: 2);
        Ok(host.SetNodeAffinity(Caller.Control, d, Nodes(0, 2)));
        Ok(host.Populate(Caller.Control, d, 0)); // after last_alloc_node 0: node 2
        Ok(host.Populate(Caller.Control, d, 0)); // then node 0
        Assert.Equal("1,2,1", Free(host));
        Ok(host.Populate(Caller.Control, d, 0));
        Ok(host.Populate(Caller.Control, d, 0));
        Assert.Equal("0,2,0", Free(host)); // the affinity is full
        Ok(host.Populate(Caller.Control, d, 0)); // only now node 1
        Assert.Equal("0,1,0", Free(host));
        AssertConserved(host);
    }

    [Theory]
    [InlineData("xen-4.6")]
    [InlineData("xen-4.22")]
    public void A_named_node_outside_the_affinity_is_tried_first_and_an_exact_one_alone(string profile)
    {
        var (host, d) = WithDomain(profile, 64, nodes: 2, pagesPerNode: 2);
        Ok(host.SetNodeAffinity(Caller.Control, d, Nodes(0)));
        Ok(host.Populate(Caller.Control, d, 0, node: 1));
        Assert.Equal("2,1", Free(host));
        Ok(host.Populate(Caller.Control, d, 0, node: 1, exact: true));
        AssertFailsUnchanged(host, Errno.ENOMEM, h => h.Populate(Caller.Control, d, 0, node: 1, exact: true), "node 1 is full");
        Ok(host.Populate(Caller.Control, d, 0, node: 1)); // not exact: the affinity's node 0 serves it
        Assert.Equal("1,0", Free(host));
    }

    [Fact]
    public void The_full_set_resets_the_affinity_to_every_node()
    {
        var (host, d) = WithDomain("xen-4.22", 64, nodes: 2, pagesPerNode: 4);
        Ok(host.SetNodeAffinity(Caller.Control, d, Nodes(0)));
        Ok(host.Populate(Caller.Control, d, 0));
        Ok(host.Populate(Caller.Control, d, 0));
        Assert.Equal("2,4", Free(host));
        Ok(host.SetNodeAffinity(Caller.Control, d, ulong.MaxValue));
        Ok(host.Populate(Caller.Control, d, 0)); // round again: after node 0, node 1
        Assert.Equal("2,3", Free(host));
    }

    [Theory]
    [InlineData("no-claims", Errno.ENOSYS, Errno.ENOSYS)]
    [InlineData("seed-2012", Errno.ENOSYS, Errno.ENOSYS)]
    [InlineData("xen-4.3", Errno.EINVAL, Errno.Ok)]
    [InlineData("xen-4.6", Errno.EINVAL, Errno.Ok)]
    [InlineData("xen-4.13", Errno.EINVAL, Errno.EINVAL)]
    [InlineData("xen-4.22", Errno.EINVAL, Errno.EINVAL)]
    [InlineData("reference", Errno.EINVAL, Errno.EINVAL)]
    public void Refusals_by_version_an_empty_set_and_one_of_offline_nodes(string profile, Errno empty, Errno offlineOnly)
    {
        var (host, d) = WithDomain(profile, 64, nodes: 2, pagesPerNode: 4);
        AssertFailsUnchanged(host, Errno.EPERM, h => h.SetNodeAffinity(Caller.Guest(d), d, Nodes(0)), "a guest may not");
        var unknown = empty == Errno.ENOSYS ? Errno.ENOSYS : Errno.ESRCH;
        AssertFailsUnchanged(host, unknown, h => h.SetNodeAffinity(Caller.Control, 99, Nodes(0)), "no domain 99");
        AssertFailsUnchanged(host, empty, h => h.SetNodeAffinity(Caller.Control, d, 0), "an empty set");
        var offline = Nodes(63); // a node beyond every host here: offline
        if (offlineOnly == Errno.Ok)
        {
            // 4.3 to 4.12 store it; the allocator finds none of its nodes and falls back to every node from node 0.
            Ok(host.SetNodeAffinity(Caller.Control, d, offline));
            Ok(host.Populate(Caller.Control, d, 0));
            Ok(host.Populate(Caller.Control, d, 0));
            Assert.Equal("2,4", Free(host));
        }
        else
        {
            AssertFailsUnchanged(host, offlineOnly, h => h.SetNodeAffinity(Caller.Control, d, offline), "no node of the host");
        }
    }
}
