using ClaimVerified.Specification.Properties;
using ClaimVerified.Profiles;

namespace ClaimVerified.Tests.Model;

/// <summary>
/// Good and bad fixtures side by side: every property accepts a sound host and rejects a host broken in exactly the
/// way it is about, with a message that names it. A property that could not fail would pass these only by accident.
/// </summary>
public sealed class PropertyFixtureTests
{
    private static DomainSnapshot Domain(
        int id, long tot, long claim, long max = 100, DomainState state = DomainState.Alive, long target = 0, long extra = 0) =>
        new(id, state, tot + extra, extra, tot, tot + extra, max, claim, [0], target == 0 && claim > 0 ? tot + claim : target,
            0, 0, 0);

    /// <summary>A sound host: 1000 pages, two domains, 300 free of which 250 are claimed.</summary>
    private static HostSnapshot Good() => new(
        "xen-4.22", 1000, 300, [300], 250, [0], 0, 0, 0,
        [Domain(1, 400, 200, max: 600), Domain(2, 300, 50, max: 400)]);

    public static TheoryData<string> SnapshotPropertyIds()
    {
        var data = new TheoryData<string>();
        foreach (var property in SnapshotProperties.All)
        {
            data.Add(property.Id);
        }

        return data;
    }

    /// <summary>The bad fixture of each property: the good host, broken in the property's own way.</summary>
    private static HostSnapshot Bad(string id)
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
            _ => throw new ArgumentOutOfRangeException(nameof(id), id),
        };
    }

    [Fact]
    public void The_good_fixture_satisfies_every_property()
    {
        Assert.Null(SnapshotProperties.FirstViolation(Good(), Catalogue.Xen422));
        Assert.Null(AdminView.Check(new PhysInfo(1000, 300, 250, [300], [250], 0)));
        Assert.Null(NoLeak.Check(Good() with { FreePages = 1000, NodeFreePages = [1000], OutstandingPages = 0, NodeOutstandingPages = [0], Domains = [] }));
    }

    [Theory]
    [MemberData(nameof(SnapshotPropertyIds))]
    public void Each_property_rejects_its_bad_fixture_by_name(string id)
    {
        var property = SnapshotProperties.All.Single(p => p.Id == id);
        var bad = Bad(id);
        var detail = property.Check(bad, Catalogue.Xen422);
        Assert.NotNull(detail);
        Assert.Null(property.Check(Good(), Catalogue.Xen422));
        Assert.StartsWith($"[{id}]", SnapshotProperties.FirstViolation(bad, Catalogue.Xen422));
        Assert.False(string.IsNullOrWhiteSpace(property.Statement));
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
        var info = new PhysInfo(1000, 7, 8, [7], [8], 0);
        Assert.Equal(ulong.MaxValue, info.XlFreeMemoryPages);
        Assert.StartsWith($"[{PropertyIds.AdminView}]", AdminView.Check(info));
    }

    [Fact]
    public void No_leak_rejects_a_claim_or_a_page_that_outlives_every_domain()
    {
        var gone = Good() with { FreePages = 1000, NodeFreePages = [1000], OutstandingPages = 0, NodeOutstandingPages = [0], Domains = [] };
        Assert.StartsWith($"[{PropertyIds.NoLeak}]", NoLeak.Check(gone with { OutstandingPages = 7 }));
        Assert.StartsWith($"[{PropertyIds.NoLeak}]", NoLeak.Check(gone with { FreePages = 999 }));
    }

    [Fact]
    public void Violation_messages_name_the_property_the_profile_and_the_scenario()
    {
        var message = Violations.Format("[claims-sum] outstanding 3 but 2", "xen-4.3", "sharing", "seen by admin");
        Assert.Equal("[claims-sum] profile xen-4.3, scenario sharing: outstanding 3 but 2 (seen by admin)", message);
        Assert.Equal(PropertyIds.ClaimsSum, PropertyIds.FromMessage(message));
        Assert.Null(PropertyIds.FromMessage("no brackets here"));
    }
}
