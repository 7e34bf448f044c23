using System.Reflection;
using ClaimVerified.Model.Monitors;
using ClaimVerified.Profiles;
using ClaimVerified.Specification.Properties;
using ClaimVerified.Tests.Traces;

namespace ClaimVerified.Tests.Model;

/// <summary>
/// Good and bad fixtures side by side: every property of the catalogue accepts a sound host and rejects a host broken
/// in exactly the way it is about, with a violation that names it, and whoever derives from the catalogue (the
/// monitors' judge, the spec check, the README) sees every property. A property that could not fail would pass these
/// only by accident.
/// </summary>
public sealed class PropertyFixtureTests
{
    private static readonly Admission Claimed = new("claim", 10);

    /// <summary>
    /// The heap's totals during a physinfo across an allocation of 10 claimed pages: 300 free with 250 claimed, then
    /// 290 with 240. Free 300 with 240 claimed was never held: a physinfo torn across the allocation.
    /// </summary>
    private static readonly (long, long)[] HeldAcrossAnAllocation = [(300, 250), (290, 240)];

    private static DomainSnapshot Domain(
        int id, long tot, long claim, long max = 100, DomainState state = DomainState.Alive, long target = 0, long extra = 0) =>
        new(id, state, tot + extra, extra, tot, tot + extra, max, claim, [0], target == 0 && claim > 0 ? tot + claim : target,
            0, 0, 0);

    /// <summary>A sound host: 1000 pages, two domains, 300 free of which 250 are claimed.</summary>
    private static HostSnapshot Good() => new(
        "xen-4.22", 1000, 300, [300], 250, [0], 0, 0, 0,
        [Domain(1, 400, 200, max: 600), Domain(2, 300, 50, max: 400)], [0]);

    /// <summary>What physinfo returns on the good host.</summary>
    private static PhysInfo GoodPhysInfo() => new(1000, 300, 250, [300], [250], 0);

    /// <summary>The sound host once every domain is gone: every page free, no claim.</summary>
    private static HostSnapshot Gone() =>
        Good() with { FreePages = 1000, NodeFreePages = [1000], OutstandingPages = 0, NodeOutstandingPages = [0], Domains = [] };

    public static TheoryData<string> CatalogueIds() => new(PropertyCatalogue.Ids);

    public static TheoryData<string> StatePropertyIds() => new(PropertyCatalogue.OnStates.Select(p => p.Id));

    /// <summary>The bad fixture of each snapshot property: the good host, broken in the property's own way.</summary>
    private static HostSnapshot BadHost(string id)
    {
        var good = Good();
        return id switch
        {
            PropertyIds.ClaimsSum => good with { OutstandingPages = 251 },
            PropertyIds.ClaimsBacked => good with
            {
                FreePages = 240, NodeFreePages = [240], XenHeapPages = 60,
            },
            PropertyIds.ClaimBound => good with { Domains = [Domain(1, 400, 200, max: 599), good.Domains[1]] },
            PropertyIds.Conservation => good with { FreePages = 299, NodeFreePages = [299] },
            PropertyIds.Expiry => good with { Domains = [Domain(1, 400, 200, max: 600, target: 400), good.Domains[1]] },
            PropertyIds.Release => good with { Domains = [Domain(1, 400, 200, max: 600, state: DomainState.Dead), good.Domains[1]] },
            PropertyIds.KillFinal => good with { Domains = [good.Domains[0] with { KillStarted = true }, good.Domains[1]] },
            _ => throw new ArgumentOutOfRangeException(nameof(id), id, "no bad host fixture"),
        };
    }

    /// <summary>The bad fixture of each physinfo property: a read that shows more outstanding than free.</summary>
    private static PhysInfo BadPhysInfo(string id) => id switch
    {
        PropertyIds.AdminView => new PhysInfo(1000, 7, 8, [7], [8], 0),
        _ => throw new ArgumentOutOfRangeException(nameof(id), id, "no bad physinfo fixture"),
    };

    /// <summary>
    /// The bad fixture of each property of the end: every domain gone, but a destroyed one still holds pages (so every
    /// snapshot property holds and only the end's property can see it).
    /// </summary>
    private static HostSnapshot BadGone(string id) => id switch
    {
        PropertyIds.NoLeak => Gone() with { FreePages = 990, NodeFreePages = [990], Domains = [Domain(1, 10, 0, state: DomainState.Destroyed)] },
        _ => throw new ArgumentOutOfRangeException(nameof(id), id, "no bad final-audit fixture"),
    };

    /// <summary>A host state that shows the property violated, as the spec check judges states.</summary>
    private static HostSnapshot BadState(StateProperty property) => property switch
    {
        SnapshotProperty => BadHost(property.Id),
        PhysInfoProperty => Good() with { FreePages = 240, NodeFreePages = [240], XenHeapPages = 60 },
        AllDomainsGoneProperty => BadGone(property.Id),
        _ => throw new ArgumentOutOfRangeException(nameof(property), property, "no bad state fixture"),
    };

    /// <summary>The property judged by its own check on its good fixture and on its bad one, whatever its kind.</summary>
    private static (PropertyViolation? Good, PropertyViolation? Bad) Judged(Property property) => property switch
    {
        SnapshotProperty p => (p.Check(Good(), Catalogue.Xen422), p.Check(BadHost(p.Id), Catalogue.Xen422)),
        PhysInfoProperty p => (p.Check(GoodPhysInfo()), p.Check(BadPhysInfo(p.Id))),
        AllDomainsGoneProperty p => (p.Check(Gone()), p.Check(BadGone(p.Id))),
        Guarantee p => (p.Check(Claimed, 1, Errno.ENOMEM, 10, -1), p.Check(Claimed, 1, Errno.ENOMEM, 9, -1)),
        PhysInfoAtomic p => (p.Check(300, 250, HeldAcrossAnAllocation), p.Check(300, 240, HeldAcrossAnAllocation)),
        _ => throw new ArgumentOutOfRangeException(nameof(property), property, "no fixtures for this kind"),
    };

    /// <summary>The same fixtures, judged the way the monitors judge a run (the run's <see cref="PropertyJudge"/>).</summary>
    private static (PropertyViolation? Good, PropertyViolation? Bad) JudgedByMonitors(Property property)
    {
        var judge = PropertyJudge.Default;
        return property.Kind switch
        {
            PropertyKind.Snapshot => (judge.Audit(Good(), Catalogue.Xen422), judge.Audit(BadHost(property.Id), Catalogue.Xen422)),
            PropertyKind.PhysInfo => (judge.PhysInfo(GoodPhysInfo()), judge.PhysInfo(BadPhysInfo(property.Id))),
            PropertyKind.AllDomainsGone => (judge.Final(Gone(), Catalogue.Xen422), judge.Final(BadGone(property.Id), Catalogue.Xen422)),
            PropertyKind.Run when property is PhysInfoAtomic => (
                judge.PhysInfoAtomic(GoodPhysInfo(), HeldAcrossAnAllocation),
                judge.PhysInfoAtomic(GoodPhysInfo() with { OutstandingPages = 240 }, HeldAcrossAnAllocation)),
            PropertyKind.Run => (
                judge.Guarantee(new AllocationFailed("builder", 1, 10, Errno.ENOMEM, -1), new BuildAdmitted("builder", 1, 10, "claim")),
                judge.Guarantee(new AllocationFailed("builder", 1, 9, Errno.ENOMEM, -1), new BuildAdmitted("builder", 1, 10, "claim"))),
            _ => throw new ArgumentOutOfRangeException(nameof(property), property, "no monitor for this kind"),
        };
    }

    [Theory]
    [MemberData(nameof(CatalogueIds))]
    public void Each_property_rejects_its_bad_fixture_by_name(string id)
    {
        var property = PropertyCatalogue.Get(id);
        var (good, bad) = Judged(property);
        Assert.Null(good);
        Assert.NotNull(bad);
        Assert.Equal(id, bad.Property);
        Assert.False(string.IsNullOrWhiteSpace(bad.Detail));
        Assert.False(string.IsNullOrWhiteSpace(property.Statement));
    }

    [Theory]
    [MemberData(nameof(CatalogueIds))]
    public void The_monitors_judge_every_property_of_the_catalogue(string id)
    {
        var (good, bad) = JudgedByMonitors(PropertyCatalogue.Get(id));
        Assert.Null(good);
        Assert.Equal(id, bad?.Property);
    }

    [Theory]
    [MemberData(nameof(StatePropertyIds))]
    public void The_spec_check_judges_every_property_a_state_can_show(string id)
    {
        var property = (StateProperty)PropertyCatalogue.Get(id);
        Assert.Empty(SpecProperties.Violations(Catalogue.Xen422, Good(), known: null));
        Assert.Contains(SpecProperties.Violations(Catalogue.Xen422, BadState(property), known: null), v => v.Property == id);
        Assert.DoesNotContain(SpecProperties.Violations(Catalogue.Xen422, BadState(property), known: p => p == id), v => v.Property == id);
    }

    [Fact]
    public void The_spec_check_judges_all_but_what_only_a_run_shows()
    {
        Assert.Equal(PropertyCatalogue.All.Where(p => p.Kind != PropertyKind.Run).Select(p => p.Id), SpecProperties.Ids);
        Assert.DoesNotContain(PropertyIds.Guarantee, SpecProperties.Ids);
        Assert.Equal(9, SpecProperties.Ids.Count);
    }

    [Fact]
    public void The_catalogue_declares_each_property_once_with_every_kind()
    {
        Assert.Equal(11, PropertyCatalogue.All.Count);
        Assert.Equal(PropertyCatalogue.Ids.Distinct(), PropertyCatalogue.Ids);
        Assert.Equal(PropertyCatalogue.All.Select(p => p.Statement).Distinct(), PropertyCatalogue.All.Select(p => p.Statement));
        Assert.Equal(Enum.GetValues<PropertyKind>(), PropertyCatalogue.All.Select(p => p.Kind).Distinct().Order());
        var named = typeof(PropertyIds).GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => (string)f.GetRawConstantValue()!);
        Assert.Equal(PropertyCatalogue.Ids.Order(StringComparer.Ordinal), named.Order(StringComparer.Ordinal));
        Assert.Throws<KeyNotFoundException>(() => PropertyCatalogue.Get("no-such-property"));
    }

    [Fact]
    public void The_readme_properties_table_is_the_catalogue()
    {
        var lines = File.ReadAllLines(Path.Combine(Repository.Root, "README.md"));
        var header = Array.FindIndex(lines, l => l.StartsWith("| property | judged on | statement |", StringComparison.Ordinal));
        Assert.True(header >= 0, "README.md has no properties table");
        var rows = lines.Skip(header + 2).TakeWhile(l => l.StartsWith('|'))
            .Select(l => string.Join(" | ", MarkdownTable.Cells(l)));
        Assert.Equal(PropertyCatalogue.All.Select(p => $"`{p.Id}` | {p.JudgedOn} | {p.Statement}"), rows);
    }

    [Fact]
    public void Claims_backed_counts_tmem_only_where_the_design_does()
    {
        var withTmem = Good() with
        {
            FreePages = 240, NodeFreePages = [240], XenHeapPages = 0,
            Domains = [.. Good().Domains, new DomainSnapshot(3, DomainState.Alive, 0, 0, 0, 0, 10, 0, [0], 0, 60, 0, 0)],
        };
        var backed = new ClaimsBacked();
        Assert.Null(backed.Check(withTmem, Catalogue.Xen43));
        Assert.NotNull(backed.Check(withTmem, Catalogue.Xen422));
    }

    [Fact]
    public void Admin_view_rejects_a_physinfo_that_makes_xl_wrap()
    {
        var info = BadPhysInfo(PropertyIds.AdminView);
        Assert.Equal(ulong.MaxValue, info.XlFreeMemoryPages);
        Assert.Equal(
            new PropertyViolation(PropertyIds.AdminView, $"physinfo free_pages=7 outstanding_pages=8: xl info prints free_memory={ulong.MaxValue} pages"),
            new AdminView().Check(info));
    }

    [Fact]
    public void No_leak_rejects_a_claim_or_a_page_that_outlives_every_domain_and_waits_for_every_domain_to_go()
    {
        var noLeak = new NoLeak();
        Assert.Equal(PropertyIds.NoLeak, noLeak.Check(Gone() with { OutstandingPages = 7 })?.Property);
        Assert.Equal(PropertyIds.NoLeak, noLeak.Check(Gone() with { FreePages = 999 })?.Property);
        var leakWhileAlive = Gone() with { OutstandingPages = 7, Domains = [Domain(1, 0, 0)] };
        Assert.Null(noLeak.JudgeState(leakWhileAlive, Catalogue.Xen422));
        Assert.NotNull(noLeak.JudgeState(leakWhileAlive with { Domains = [Domain(1, 0, 0, state: DomainState.Destroyed)] }, Catalogue.Xen422));
    }

    [Fact]
    public void The_guarantee_is_broken_only_by_enomem_below_an_admitted_target()
    {
        var guarantee = PropertyCatalogue.Guarantee;
        Assert.Null(guarantee.Check(null, 1, Errno.ENOMEM, 9, -1));
        Assert.Null(guarantee.Check(Claimed, 1, Errno.E2BIG, 9, -1));
        Assert.Null(guarantee.Check(Claimed, 1, Errno.ENOMEM, 10, -1));
        Assert.Equal(
            new PropertyViolation(PropertyIds.Guarantee, "d1 was admitted by its claim for 10 pages, but an order-0 allocation on node 0 at tot=9 failed with ENOMEM"),
            guarantee.Check(Claimed, 1, Errno.ENOMEM, 9, 0));
    }

    [Fact]
    public void The_guarantee_holds_a_build_to_its_target_less_what_other_callers_populated_and_a_node_to_its_share()
    {
        var guarantee = PropertyCatalogue.Guarantee;
        // A device model populated 2 of the domain's pages from its claim of 10: a build failing at 8 of its own had them all.
        Assert.Null(guarantee.Check(Claimed, 1, Errno.ENOMEM, 8, -1, othersPages: 2));
        Assert.Equal(
            new PropertyViolation(PropertyIds.Guarantee, "d1 was admitted by its claim for 10 pages, but an order-0 allocation at tot=7 (and other callers 2 of its pages) failed with ENOMEM"),
            guarantee.Check(Claimed, 1, Errno.ENOMEM, 7, -1, othersPages: 2));
        // A build of 6 + 4 pages placed per node fails on node 0 at 5: held to node 0's share, with another caller's page
        // (which may have landed there) it was not short; without it, it was.
        Assert.Null(guarantee.Check(Claimed, 1, Errno.ENOMEM, 5, 0, othersPages: 1, upToPages: 6));
        Assert.NotNull(guarantee.Check(Claimed, 1, Errno.ENOMEM, 5, 0, othersPages: 0, upToPages: 6));
        Assert.Throws<ArgumentOutOfRangeException>(() => guarantee.Check(Claimed, 1, Errno.ENOMEM, 5, 0, othersPages: -1));
    }

    [Fact]
    public void Violation_messages_name_the_property_the_profile_and_the_scenario()
    {
        var message = ViolationMessage.Format(new PropertyViolation(PropertyIds.ClaimsSum, "outstanding 3 but 2"), "xen-4.3", "sharing", "seen by admin");
        Assert.Equal("[claims-sum] profile xen-4.3, scenario sharing: outstanding 3 but 2 (seen by admin)", message);
        Assert.Equal(PropertyIds.ClaimsSum, ViolationMessage.PropertyOf(message));
        Assert.Equal("[claims-sum] outstanding 3 but 2", new PropertyViolation(PropertyIds.ClaimsSum, "outstanding 3 but 2").ToString());
    }

    [Theory]
    [InlineData("[claims-sum] profile xen-4.3, scenario sharing: outstanding 3 but 2 (seen by admin)", PropertyIds.ClaimsSum)]
    [InlineData("[guarantee] profile no-claims, scenario offline: d2 [sic] failed (seen by b)", PropertyIds.Guarantee)]
    [InlineData("Monitor 'InvariantMonitor' found a bug: [no-leak] profile p, scenario s: x (at the end)", PropertyIds.NoLeak)]
    [InlineData("[admin-view]", PropertyIds.AdminView)]
    [InlineData(null, null)]
    [InlineData("", null)]
    [InlineData("no brackets here", null)]
    [InlineData("[not-a-property] profile p, scenario s: x (y)", null)]
    [InlineData("[Claims-Sum] profile p, scenario s: x (y)", null)]
    [InlineData("[ claims-sum] profile p, scenario s: x (y)", null)]
    [InlineData("[] claims-sum", null)]
    [InlineData("[claims-sum without a close", null)]
    [InlineData("claims-sum] without an open", null)]
    [InlineData("Unhandled exception. System.InvalidOperationException: a [claims-sum", null)]
    public void A_message_is_read_back_to_the_property_it_names_and_to_nothing_else(string? message, string? property) =>
        Assert.Equal(property, ViolationMessage.PropertyOf(message));

    [Theory]
    [MemberData(nameof(CatalogueIds))]
    public void Every_property_reads_back_from_its_own_message(string id) =>
        Assert.Equal(id, ViolationMessage.PropertyOf(ViolationMessage.Format(new PropertyViolation(id, "detail"), "p", "s", "w")));
}
