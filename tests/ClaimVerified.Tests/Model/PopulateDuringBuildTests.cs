using CoyoteSpecification = Microsoft.Coyote.Specifications.Specification;
using ClaimVerified.Profiles;
using ClaimVerified.Specification.Properties;

namespace ClaimVerified.Tests.Model;

/// <summary>
/// Xen 4.22's populate during the build (83a784a15b, Profile.DeferredScrubPopulate), as stories of racing calls under
/// Coyote: a builder whose 2 MiB extent is preempted while populate_physmap scrubs it, so that the extent waits
/// unassigned in the domain's stash for the call's continuation, and someone else acting on the same domain meanwhile.
/// Each story holds on the profiles without the stash and breaks on those with it, where the break is Xen's.
/// </summary>
public sealed class PopulateDuringBuildTests
{
    private const long ClaimPages = 1024;

    [Fact]
    public void A_call_without_preemption_or_a_preempted_one_alone_is_the_same_step()
    {
        foreach (var preempted in new[] { false, true })
        {
            var host = new Host(Catalogue.Xen422, new HostConfig(1, 2048));
            var domid = (int)host.CreateDomain(Caller.Control, ClaimPages).Value;
            Assert.True(host.ClaimPages(Caller.Control, domid, ClaimPages).IsOk);
            Assert.Equal(512, host.Populate(Caller.Control, domid, 9, preempted: preempted).Value);
            var d = host.Snapshot().Domains.Single();
            Assert.Equal((512L, 512L, 0L, 0L), (d.DomainTotPages, d.OutstandingPages, d.PagesInFlight, d.PendingScrubPages));
        }
    }

    [Fact]
    public void The_one_unpause_finishes_creation_and_a_second_is_refused()
    {
        var host = new Host(Catalogue.Xen422, new HostConfig(1, 16));
        var domid = (int)host.CreateDomain(Caller.Control, 4).Value;
        Assert.Equal(Errno.EPERM, host.Unpause(Caller.Guest(domid), domid).Errno);
        Assert.Equal(Errno.ESRCH, host.Unpause(Caller.Control, 99).Errno);
        Assert.False(host.Snapshot().Domains.Single().CreationFinished);
        Assert.True(host.Unpause(Caller.Control, domid).IsOk);
        Assert.True(host.Snapshot().Domains.Single().CreationFinished);
        Assert.Equal(Errno.EINVAL, host.Unpause(Caller.Control, domid).Errno);
    }

    /// <summary>
    /// A second populate for the same domain (a device model's 4 KiB of video RAM, say) between the preemption and the
    /// continuation: get_stashed_allocation frees the 2 MiB stash because the order differs, and the 512 pages of
    /// claim it consumed are gone (83a784a15b's message: concurrent populates "will trash stashed pages").
    /// </summary>
    [Theory]
    [InlineData("xen-4.22", true)]
    [InlineData("claim-sets", true)]
    [InlineData("xen-4.21.1", false)]
    [InlineData("reference", false)]
    public void A_mismatching_populate_during_the_build_frees_the_stash_and_the_claim_it_consumed(string profileName, bool lost)
    {
        var bug = Explore(profileName, async () =>
        {
            var host = new Host(Catalogue.Get(profileName), new HostConfig(1, 2048));
            var domid = (int)host.CreateDomain(Caller.Control, ClaimPages + 1).Value;
            host.ClaimPages(Caller.Control, domid, ClaimPages);
            var builder = Task.Run(() => host.Populate(Caller.Control, domid, 9, preempted: true));
            var deviceModel = Task.Run(() => host.Populate(Caller.Control, domid, 0));
            await Task.WhenAll(new Task[] { builder, deviceModel });
            var d = host.Snapshot().Domains.Single();
            // Positive space first: whatever happened to the stash, once both calls returned no page is on its way.
            CoyoteSpecification.Assert(d.PagesInFlight == 0,
                $"[{PropertyIds.Conservation}] d{domid}: {d.PagesInFlight} pages in flight after both calls returned");
            CoyoteSpecification.Assert(d.DomainTotPages + d.OutstandingPages == ClaimPages,
                $"[{PropertyIds.Guarantee}] d{domid} claimed {ClaimPages} but has tot={d.DomainTotPages} + claim={d.OutstandingPages}");
        });
        Assert.Equal(lost, bug?.Contains("claimed 1024 but has tot=513 + claim=0", StringComparison.Ordinal) == true);
        Assert.True(lost || bug is null, bug);
    }

    /// <summary>
    /// The toolstack's unpause racing the build's populate: the unpause finds no stash (the extent is still being
    /// scrubbed) and finishes creation; the populate then stashes, and its continuation, now after creation finished,
    /// takes the stash and skips both the rest of the scrub and assign_page (both under MEMF_no_scrub). The call says
    /// 512 pages were populated; tot_pages never counts them, and no free of the domain's ever returns them.
    /// </summary>
    [Theory]
    [InlineData("xen-4.22", true)]
    [InlineData("xen-4.21.1", false)]
    [InlineData("reference", false)]
    public void An_unpause_racing_the_build_leaves_a_populated_extent_counted_nowhere(string profileName, bool leaked)
    {
        var bug = Explore(profileName, async () =>
        {
            var host = new Host(Catalogue.Get(profileName), new HostConfig(1, 2048));
            var domid = (int)host.CreateDomain(Caller.Control, ClaimPages).Value;
            var builder = Task.Run(() => host.Populate(Caller.Control, domid, 9, preempted: true));
            var unpause = Task.Run(() => host.Unpause(Caller.Control, domid));
            await Task.WhenAll(new Task[] { builder, unpause });
            host.DestroyDomain(Caller.Control, domid);
            var snapshot = host.Snapshot();
            CoyoteSpecification.Assert(snapshot.FreePages == snapshot.TotalPages,
                $"[{PropertyIds.NoLeak}] every domain is gone but free={snapshot.FreePages} (populate returned {builder.Result}, unpause {unpause.Result})");
        });
        Assert.Equal(leaked, bug?.Contains("every domain is gone but free=1536 (populate returned ok 512, unpause ok)", StringComparison.Ordinal) == true);
        Assert.True(leaked || bug is null, bug);
    }

    /// <summary>
    /// The unpause after the populate stashed: domain_unpause_by_systemcontroller crashes the domain, frees the stash and
    /// answers EBUSY, so creation never finishes and the continuation allocates afresh (scrubbing it itself).
    /// </summary>
    [Fact]
    public void An_unpause_that_finds_a_stash_refuses_with_EBUSY_and_frees_it()
    {
        var bug = Explore("xen-4.22", async () =>
        {
            var host = new Host(Catalogue.Xen422, new HostConfig(1, 2048));
            var domid = (int)host.CreateDomain(Caller.Control, ClaimPages).Value;
            var builder = Task.Run(() => host.Populate(Caller.Control, domid, 9, preempted: true));
            var unpause = Task.Run(() => host.Unpause(Caller.Control, domid));
            await Task.WhenAll(new Task[] { builder, unpause });
            var d = host.Snapshot().Domains.Single();
            CoyoteSpecification.Assert(unpause.Result.Errno != Errno.EBUSY,
                $"unpause EBUSY: creation finished={d.CreationFinished}, tot={d.DomainTotPages}, in flight={d.PagesInFlight}, populate {builder.Result}");
        });
        Assert.Contains("unpause EBUSY: creation finished=False, tot=512, in flight=0, populate ok 512", bug, StringComparison.Ordinal);
    }

    /// <summary>A kill during the build's preempted populate: teardown frees the stash, or the stash refuses a dying domain.</summary>
    [Theory]
    [InlineData("xen-4.22")]
    [InlineData("claim-sets")]
    public void A_killed_domain_leaves_no_stash_behind(string profileName)
    {
        var bug = Explore(profileName, async () =>
        {
            var host = new Host(Catalogue.Get(profileName), new HostConfig(1, 2048));
            var domid = (int)host.CreateDomain(Caller.Control, ClaimPages).Value;
            host.ClaimPages(Caller.Control, domid, ClaimPages);
            var builder = Task.Run(() => host.Populate(Caller.Control, domid, 9, preempted: true));
            var kill = Task.Run(() => host.DestroyDomain(Caller.Control, domid));
            await Task.WhenAll(new Task[] { builder, kill });
            var snapshot = host.Snapshot();
            CoyoteSpecification.Assert(snapshot.FreePages == snapshot.TotalPages && snapshot.OutstandingPages == 0,
                $"[{PropertyIds.NoLeak}] d{domid} is destroyed but free={snapshot.FreePages}, outstanding={snapshot.OutstandingPages} ({snapshot.Describe()})");
        });
        Assert.True(bug is null, bug);
    }

    /// <summary>Explores <paramref name="story"/>; the first bug's text, named by the profile, or null.</summary>
    private static string? Explore(string profileName, Func<Task> story) =>
        Stories.FirstBug(story) is { } bug ? $"{profileName}: {bug}" : null;
}
