using ClaimVerified.Profiles;
using static ClaimVerified.Tests.Core.CoreKit;

namespace ClaimVerified.Tests.Core;

/// <summary>
/// Every error path, per profile, on a busy host: each failing call must return its result code and leave the host
/// exactly as it was (the snapshot before and after render the same).
/// </summary>
public sealed class ErrorPathTests
{
    /// <summary>The busy host every case starts from: two nodes of 2048 pages.</summary>
    private sealed class Busy
    {
        public const int D1 = 1; // alive, 512 pages, a claim to 1536 (1024 outstanding) where claims exist
        public const int D2 = 2; // alive, max 4096, 512 pages, no claim; one tmem ephemeral page where tmem exists
        public const int Dying = 3; // killed (dying, then dead), still resolves
        public const int Destroyed = 4; // destroyed: no longer resolves
        public const int D5 = 5; // alive, max 0, no pages
        public const int Unknown = 77;

        public Busy(string profile)
        {
            Host = NewHost(profile, nodes: 2, pagesPerNode: 2048);
            Assert.Equal(D1, Create(Host, 2048));
            Assert.Equal(D2, Create(Host, 4096));
            Assert.Equal(Dying, Create(Host, 2048));
            Assert.Equal(Destroyed, Create(Host, 2048));
            Assert.Equal(D5, Create(Host, 0));
            Ok(Host.Populate(Caller.Control, D1, 9));
            Ok(Host.Populate(Caller.Control, D2, 9));
            Ok(Host.Populate(Caller.Control, Dying, 0));
            Ok(Host.Populate(Caller.Control, Destroyed, 0));
            Ok(Host.AllocXenHeap(Caller.Xen, 9));
            if (Host.Profile.ClaimsSupported)
            {
                Ok(Host.ClaimPages(Caller.Control, D1, 1536));
            }

            if (Host.Profile.Tmem)
            {
                Ok(Host.TmemPut(Caller.Guest(D2), D2, TmemPool.Ephemeral));
            }

            Ok(Host.DomainKill(Caller.Control, Dying));
            Ok(Host.DestroyDomain(Caller.Control, Destroyed));
        }

        public Host Host { get; }
    }

    /// <summary>One failing call: what it is, the result code per profile (null: not an error in that profile), the call.</summary>
    private sealed record Case(string Name, Func<Profile, Errno?> Expected, Func<Host, Outcome> Call);

    private static Errno? Claims(Profile p, Errno e) => p.ClaimsSupported ? e : Errno.ENOSYS;

    private static Errno? Tmem(Profile p, Errno e) => p.Tmem ? e : Errno.EOPNOTSUPP;

    /// <summary>tmem's flush control: EOPNOTSUPP without the private list.</summary>
    private static Errno? FreeList(Profile p, Errno e) => p.TmemPrivateFreeList ? e : Errno.EOPNOTSUPP;

    /// <summary>Without the claim-sets proposal the domctl is unknown: ENOSYS, after the domain lookup and XSM.</summary>
    private static Errno? Sets(Profile p, Errno e) => p.NodeClaims ? e : Errno.ENOSYS;

    private static Errno? Always(Errno e) => e;

    private static Errno? MemoryThenMax(Profiles.Profile p) => p.OneCriticalSectionPerOperation ? Errno.E2BIG : Errno.ENOMEM;

    private static readonly int[] BadOrders = [-1, 1, 2, 8, 10, 17, 19, 30, int.MaxValue];

    private static readonly int[] BadNodes = [2, -2, 64, int.MinValue];

    /// <summary>XEN_DOMCTL_claim_memory's refusals, one per check of claim-sets v7 (and ENOSYS without the proposal).</summary>
    private static IEnumerable<Case> ClaimSetCases()
    {
        const int D2 = Busy.D2, Dying = Busy.Dying, Gone = Busy.Destroyed, D5 = Busy.D5, Unknown = Busy.Unknown;
        var control = Caller.Control;
        yield return new("set empty", p => Sets(p, Errno.EINVAL), h => h.ClaimMemory(control, D2, []));
        yield return new("set too many entries", p => Sets(p, Errno.E2BIG),
            h => h.ClaimMemory(control, D2, [.. Enumerable.Range(0, ClaimEntry.MaxEntries + 1).Select(n => new ClaimEntry(0, n))]));
        yield return new("set duplicate node", p => Sets(p, Errno.EINVAL), h => h.ClaimMemory(control, D2, [new(1, 1), new(1, 1)]));
        yield return new("set second global", p => Sets(p, Errno.EINVAL),
            h => h.ClaimMemory(control, D2, [new(1, ClaimEntry.Global), new(0, ClaimEntry.Global)]));
        yield return new("set node not online", p => Sets(p, Errno.ENOENT), h => h.ClaimMemory(control, D2, [new(1, 2)]));
        yield return new("set node beyond MAX_NUMNODES", p => Sets(p, Errno.ENOENT), h => h.ClaimMemory(control, D2, [new(1, int.MaxValue)]));
        yield return new("set legacy among others", p => Sets(p, Errno.ENOENT),
            h => h.ClaimMemory(control, D2, [new(1, 0), new(1, ClaimEntry.Legacy)]));
        yield return new("set legacy negative", p => Sets(p, Errno.EINVAL), h => h.ClaimMemory(control, D2, [new(-1, ClaimEntry.Legacy)]));
        yield return new("set negative pages", p => Sets(p, Errno.EINVAL), h => h.ClaimMemory(control, D2, [new(-1, 0)]));
        yield return new("set huge pages", p => Sets(p, Errno.ENOMEM), h => h.ClaimMemory(control, D2, [new(long.MaxValue, 0)]));
        yield return new("set huge global", p => Sets(p, Errno.EINVAL),
            h => h.ClaimMemory(control, D2, [new(long.MaxValue, ClaimEntry.Global), new(1, 0)]));
        yield return new("set over max", p => Sets(p, Errno.EINVAL), h => h.ClaimMemory(control, D5, [new(1, 0)]));
        yield return new("set over a node", p => Sets(p, Errno.ENOMEM), h => h.ClaimMemory(control, D2, [new(2049, 0)]));
        yield return new("set over the host", p => Sets(p, Errno.ENOMEM),
            h => h.ClaimMemory(control, D2, [new(1200, 0), new(1200, 1)]));
        yield return new("set by a guest", _ => Always(Errno.EPERM), h => h.ClaimMemory(Caller.Guest(D2), D2, [new(1, 0)]));
        yield return new("set dying", p => Sets(p, Errno.ESRCH), h => h.ClaimMemory(control, Dying, [new(1, 0)]));
        yield return new("set destroyed", _ => Always(Errno.ESRCH), h => h.ClaimMemory(control, Gone, [new(1, 0)]));
        yield return new("set unknown", _ => Always(Errno.ESRCH), h => h.ClaimMemory(control, Unknown, [new(1, 0)]));
    }

    private static IEnumerable<Case> AllCases()
    {
        const int D1 = Busy.D1, D2 = Busy.D2, Dying = Busy.Dying, Gone = Busy.Destroyed, D5 = Busy.D5, Unknown = Busy.Unknown;
        var control = Caller.Control;

        // ---- XENMEM_claim_pages ----
        yield return new("claim negative", p => Claims(p, Errno.EINVAL), h => h.ClaimPages(control, D2, -1));
        yield return new("claim long.MinValue", p => Claims(p, Errno.EINVAL), h => h.ClaimPages(control, D2, long.MinValue));
        yield return new("claim long.MaxValue", p => Claims(p, Errno.EINVAL), h => h.ClaimPages(control, D2, long.MaxValue));
        yield return new("claim above max", p => Claims(p, Errno.EINVAL), h => h.ClaimPages(control, D2, 4097));
        yield return new("claim at tot", p => Claims(p, Errno.EINVAL), h => h.ClaimPages(control, D2, 512));
        yield return new("claim below tot", p => Claims(p, Errno.EINVAL), h => h.ClaimPages(control, D2, 1));
        yield return new("claim more than unclaimed", p => Claims(p, Errno.ENOMEM), h => h.ClaimPages(control, D2, 4000));
        yield return new("second claim", p => p.SecondClaimReplaces ? null : Claims(p, Errno.EINVAL),
            h => h.ClaimPages(control, D1, 1600));
        yield return new("claim unknown domid", p => Claims(p, Errno.EINVAL), h => h.ClaimPages(control, Unknown, 100));
        yield return new("claim destroyed domain", p => Claims(p, Errno.EINVAL), h => h.ClaimPages(control, Gone, 100));
        yield return new("claim domid 0 (dom0 is not modelled)", p => Claims(p, Errno.EINVAL), h => h.ClaimPages(control, 0, 100));
        yield return new("claim dying domain",
            p => p.RefuseClaimOnDying == DyingClaimCheck.None ? null : Claims(p, Errno.EINVAL),
            h => h.ClaimPages(control, Dying, 100));
        yield return new("guest claims for itself", p => Claims(p, Errno.EPERM), h => h.ClaimPages(Caller.Guest(D2), D2, 1000));
        yield return new("guest claims for another", p => Claims(p, Errno.EPERM), h => h.ClaimPages(Caller.Guest(D2), D1, 0));
        yield return new("guest releases its own claim", p => Claims(p, Errno.EPERM), h => h.ClaimPages(Caller.Guest(D1), D1, 0));
        yield return new("soft claim outside the seed", p => p.SoftClaims ? null : Claims(p, Errno.EINVAL),
            h => h.ClaimPages(control, D2, 1000, soft: true));

        foreach (var c in ClaimSetCases())
        {
            yield return c;
        }

        // ---- allocation: orders, nodes, domains, privilege ----
        foreach (var order in BadOrders)
        {
            yield return new($"populate order {order}", _ => Always(Errno.EINVAL), h => h.Populate(control, D2, order));
            yield return new($"extra order {order}", _ => Always(Errno.EINVAL), h => h.AllocExtraPages(control, D2, order));
            yield return new($"decrease order {order}", _ => Always(Errno.EINVAL), h => h.DecreaseReservation(control, D2, order));
            yield return new($"xen heap order {order}", _ => Always(Errno.EINVAL), h => h.AllocXenHeap(Caller.Xen, order));
        }

        foreach (var node in BadNodes)
        {
            yield return new($"populate node {node}", _ => Always(Errno.EINVAL), h => h.Populate(control, D2, 0, node));
            yield return new($"extra node {node}", _ => Always(Errno.EINVAL), h => h.AllocExtraPages(control, D2, 0, node));
            yield return new($"xen heap node {node}", _ => Always(Errno.EINVAL), h => h.AllocXenHeap(Caller.Xen, 0, node));
            yield return new($"offline node {node}", _ => Always(Errno.EINVAL), h => h.OfflinePage(control, node));
        }

        yield return new("offline node -1 (any node is not a node)", _ => Always(Errno.EINVAL), h => h.OfflinePage(control, -1));

        foreach (var (what, domid) in new[] { ("unknown", Unknown), ("destroyed", Gone), ("domid 0", 0), ("negative domid", -3) })
        {
            yield return new($"populate {what}", _ => Always(Errno.ESRCH), h => h.Populate(control, domid, 0));
            yield return new($"extra {what}", _ => Always(Errno.ESRCH), h => h.AllocExtraPages(control, domid, 0));
            yield return new($"decrease {what}", _ => Always(Errno.ESRCH), h => h.DecreaseReservation(control, domid, 0));
            yield return new($"share {what}", _ => Always(Errno.ESRCH), h => h.SharePage(control, domid));
            yield return new($"set max {what}", _ => Always(Errno.ESRCH), h => h.SetMaxPages(control, domid, 10));
            yield return new($"kill {what}", _ => Always(Errno.ESRCH), h => h.DomainKill(control, domid));
            yield return new($"destroy {what}", _ => Always(Errno.ESRCH), h => h.DestroyDomain(control, domid));
            yield return new($"tmem put {what}", p => Tmem(p, Errno.ESRCH), h => h.TmemPut(control, domid, TmemPool.Ephemeral));
            yield return new($"tmem flush {what}", p => Tmem(p, Errno.ESRCH), h => h.TmemFlush(control, domid, TmemPool.Persistent));
        }

        var guest = Caller.Guest(D2);
        yield return new("guest populates another", _ => Always(Errno.EPERM), h => h.Populate(guest, D1, 0));
        yield return new("guest decreases another", _ => Always(Errno.EPERM), h => h.DecreaseReservation(guest, D1, 0));
        yield return new("guest tmem put for another", p => Tmem(p, Errno.EPERM), h => h.TmemPut(guest, D1, TmemPool.Ephemeral));
        yield return new("guest tmem flush for another", p => Tmem(p, Errno.EPERM), h => h.TmemFlush(guest, D1, TmemPool.Ephemeral));
        yield return new("guest extra pages for itself", _ => Always(Errno.EPERM), h => h.AllocExtraPages(guest, D2, 0));
        yield return new("guest shares a page", _ => Always(Errno.EPERM), h => h.SharePage(guest, D2));
        yield return new("guest sets max", _ => Always(Errno.EPERM), h => h.SetMaxPages(guest, D2, 4096));
        yield return new("guest creates a domain", _ => Always(Errno.EPERM), h => h.CreateDomain(guest, 10));
        yield return new("guest kills itself", _ => Always(Errno.EPERM), h => h.DomainKill(guest, D2));
        yield return new("guest destroys another", _ => Always(Errno.EPERM), h => h.DestroyDomain(guest, D1));
        yield return new("guest offlines a page", _ => Always(Errno.EPERM), h => h.OfflinePage(guest, 0));
        yield return new("toolstack allocates Xen's heap", _ => Always(Errno.EPERM), h => h.AllocXenHeap(control, 0));
        yield return new("guest allocates Xen's heap", _ => Always(Errno.EPERM), h => h.AllocXenHeap(guest, 0));
        yield return new("toolstack frees Xen's heap", _ => Always(Errno.EPERM), h => h.FreeXenHeap(control, 1));
        yield return new("guest flushes tmem for every client", p => FreeList(p, Errno.EPERM), h => h.TmemFlushControl(guest, 1));

        // ---- a dying domain ----
        yield return new("populate dying", _ => Always(Errno.EINVAL), h => h.Populate(control, Dying, 0));
        yield return new("populate dying order 9", _ => Always(Errno.EINVAL), h => h.Populate(control, Dying, 9));
        yield return new("extra dying", p => p.ExtraPages == ExtraPagesMode.Refused ? Errno.ENOMEM : Errno.EINVAL,
            h => h.AllocExtraPages(control, Dying, 0));
        yield return new("decrease dying", _ => Always(Errno.EINVAL), h => h.DecreaseReservation(control, Dying, 0));
        yield return new("share dying", _ => Always(Errno.EINVAL), h => h.SharePage(control, Dying));
        yield return new("tmem put ephemeral dying", p => Tmem(p, Errno.EINVAL), h => h.TmemPut(control, Dying, TmemPool.Ephemeral));
        yield return new("tmem put persistent dying", p => Tmem(p, Errno.EINVAL), h => h.TmemPut(control, Dying, TmemPool.Persistent));
        yield return new("tmem flush dying", p => Tmem(p, Errno.EINVAL), h => h.TmemFlush(control, Dying, TmemPool.Persistent));

        // ---- sizes ----
        yield return new("create negative max", _ => Always(Errno.EINVAL), h => h.CreateDomain(control, -1));
        yield return new("create max long.MinValue", _ => Always(Errno.EINVAL), h => h.CreateDomain(control, long.MinValue));
        yield return new("set max negative", _ => Always(Errno.EINVAL), h => h.SetMaxPages(control, D2, -1));
        yield return new("set max long.MinValue", _ => Always(Errno.EINVAL), h => h.SetMaxPages(control, D2, long.MinValue));
        yield return new("free xen heap zero", _ => Always(Errno.EINVAL), h => h.FreeXenHeap(Caller.Xen, 0));
        yield return new("free xen heap negative", _ => Always(Errno.EINVAL), h => h.FreeXenHeap(Caller.Xen, -5));
        yield return new("free xen heap more than held", _ => Always(Errno.EINVAL), h => h.FreeXenHeap(Caller.Xen, 513));
        yield return new("decrease more than owned", _ => Always(Errno.EINVAL), h => h.DecreaseReservation(control, D5, 0));
        yield return new("decrease order 18 of 512", _ => Always(Errno.EINVAL), h => h.DecreaseReservation(control, D2, 18));
        yield return new("share with no pages", _ => Always(Errno.EINVAL), h => h.SharePage(control, D5));
        yield return new("tmem flush empty persistent", p => Tmem(p, Errno.EINVAL), h => h.TmemFlush(Caller.Guest(D5), D5, TmemPool.Persistent));
        yield return new("tmem flush empty ephemeral", p => Tmem(p, Errno.EINVAL), h => h.TmemFlush(Caller.Guest(D5), D5, TmemPool.Ephemeral));
        yield return new("tmem flush-all negative", p => FreeList(p, Errno.EINVAL), h => h.TmemFlushControl(control, -1));
        yield return new("tmem flush-all long.MinValue", p => FreeList(p, Errno.EINVAL), h => h.TmemFlushControl(control, long.MinValue));
        yield return new("tmem flush-all above a uint32 of kB", p => FreeList(p, Errno.EINVAL),
            h => h.TmemFlushControl(control, Host.MaxTmemFlushPages + 1));
        yield return new("populate over max", _ => Always(Errno.E2BIG), h => h.Populate(control, D5, 0));
        yield return new("guest balloons over max", _ => Always(Errno.E2BIG), h => h.Populate(Caller.Guest(D5), D5, 9));
        yield return new("tmem persistent over max", p => Tmem(p, Errno.E2BIG), h => h.TmemPut(Caller.Guest(D5), D5, TmemPool.Persistent));
        // Xen looks for memory before assign_pages checks max_pages; the reference checks max_pages first.
        yield return new("populate order 18 on a small host", MemoryThenMax, h => h.Populate(control, D2, 18));
        yield return new("xen heap order 18 on a small host", _ => Always(Errno.ENOMEM), h => h.AllocXenHeap(Caller.Xen, 18));
        yield return new("populate order 18 on node 0", MemoryThenMax, h => h.Populate(control, D2, 18, node: 0));
    }

    private static readonly IReadOnlyDictionary<string, Case> CasesByName = AllCases().ToDictionary(c => c.Name);

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var profile in Catalogue.All)
        {
            foreach (var c in CasesByName.Values)
            {
                if (c.Expected(profile) is not null)
                {
                    data.Add(profile.Name, c.Name);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Failing_call_returns_its_errno_and_changes_nothing(string profile, string caseName)
    {
        var busy = new Busy(profile);
        var c = CasesByName[caseName];
        var expected = c.Expected(busy.Host.Profile)!.Value;

        AssertFailsUnchanged(busy.Host, expected, c.Call, caseName);
        AssertConserved(busy.Host);
    }

    [Fact]
    public void Case_names_are_unique_and_every_profile_has_cases()
    {
        Assert.Equal(AllCases().Count(), CasesByName.Count);
        var data = Cases();
        foreach (var profile in AllNames)
        {
            Assert.Contains(data, row => (string)row[0] == profile);
        }
    }

    [Theory]
    [AllProfiles]
    public void The_busy_host_is_what_the_cases_assume(string profile)
    {
        var busy = new Busy(profile);
        var host = busy.Host;
        Assert.Equal(DomainState.Dead, Info(host, Busy.Dying).State);
        Assert.Null(host.GetDomainInfo(Busy.Destroyed));
        Assert.Equal(512, Info(host, Busy.D2).DomainTotPages);
        Assert.Equal(host.Profile.ClaimsSupported ? 1024 : 0, Outstanding(host));
        Assert.Equal(4096 - 512 - 512 - 512 - (host.Profile.Tmem ? 1 : 0), Free(host));
        AssertConserved(host);
    }
}
