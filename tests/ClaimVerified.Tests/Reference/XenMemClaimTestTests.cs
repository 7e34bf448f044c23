using ClaimVerified.Model.Conformance;
using ClaimVerified.Profiles;
using ClaimVerified.Specification;
using ClaimVerified.Tests.Traces;

namespace ClaimVerified.Tests.Reference;

/// <summary>
/// Xen's own claim test (tools/tests/mem-claim/test-mem-claim.c, f34c965281) as a script, on the core and the
/// specification of every profile: it sets max_pages "unlimited" before it claims, which only works because
/// XEN_DOMCTL_max_mem has no upper limit (do_domctl). And the negative space: a max_pages bounded by host memory (what
/// the model used to do) cannot even run it.
/// </summary>
public sealed class XenMemClaimTestTests
{
    private static string Script(string name) => File.ReadAllText(Path.Combine(Repository.Root, "traces/conformance/xen-tests", name));

    public static TheoryData<string> ClaimProfiles() => [.. Catalogue.All.Where(p => p.ClaimsSupported).Select(p => p.Name)];

    [Theory]
    [MemberData(nameof(ClaimProfiles))]
    public void Xen_s_claim_test_passes_on_every_profile_with_claims(string profile)
    {
        var result = ScriptRunner.Run(Script("mem-claim.cvs"), profile, "mem-claim.cvs");
        Assert.True(result.Passed, result.Render());
        Assert.Equal(10, result.Steps);
    }

    [Fact]
    public void Without_claims_the_claim_is_an_unknown_hypercall_and_the_rest_still_works()
    {
        var result = ScriptRunner.Run(Script("mem-claim.no-claims.cvs"), name: "mem-claim.no-claims.cvs");
        Assert.True(result.Passed, result.Render());
        Assert.Contains("ENOSYS", result.Trace[4].Core, StringComparison.Ordinal);
    }

    [Fact]
    public void The_claim_test_fails_where_max_pages_stays_below_the_claim()
    {
        // The negative space of the script: without "unlimited" the claim is above max_pages (EINVAL), and the
        // script says where.
        var bounded = Script("mem-claim.cvs").Replace("maxmem guest unlimited -> ok", "maxmem guest 1000 -> ok", StringComparison.Ordinal);
        var result = ScriptRunner.Run(bounded, "xen-4.22");
        Assert.False(result.Passed);
        Assert.Equal(13, result.FirstDifference!.Line);
        Assert.Contains("EINVAL", result.FirstDifference.Core, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("no-claims", 4294967296L + 5, 5L)]           // before 017e667c43: the low 32 bits
    [InlineData("xen-4.3", 4294967296L + 5, 5L)]
    [InlineData("xen-4.6", 4294967296L + 5, 4294967295L)]    // since: saturated at max_pages' maximum
    [InlineData("reference", 4294967296L + 5, 4294967295L)]
    [InlineData("xen-4.3", Domain.UnlimitedRequestPages, 4294967295L)] // "unlimited" is the maximum either way
    [InlineData("xen-4.22", Domain.UnlimitedRequestPages, 4294967295L)]
    [InlineData("xen-4.22", 1L << 40, 4294967295L)]          // far above the host: accepted
    [InlineData("xen-4.22", 0L, 0L)]
    public void Max_mem_accepts_any_count_and_stores_what_max_pages_can_hold(string name, long requested, long stored)
    {
        var profile = Catalogue.Get(name);
        var host = new Host(profile, new HostConfig(1, 64));
        var domid = (int)host.CreateDomain(Caller.Control, 1).Value;
        Assert.Equal(Outcome.Ok(), host.SetMaxPages(Caller.Control, domid, requested));
        Assert.Equal(stored, host.GetDomainInfo(domid)!.MaxPages);
        Assert.Equal(stored, ClaimVerified.Specification.Spec.MaxPagesStored(profile, requested));
        var created = host.CreateDomain(Caller.Control, requested);
        Assert.Equal(stored, host.GetDomainInfo((int)created.Value)!.MaxPages);
    }

    [Theory]
    [InlineData(-1L)]
    [InlineData(long.MinValue)]
    public void A_negative_max_pages_is_refused_and_changes_nothing(long requested)
    {
        var host = new Host(Catalogue.Xen422, new HostConfig(1, 64));
        var domid = (int)host.CreateDomain(Caller.Control, 8).Value;
        var before = host.Snapshot();
        Assert.Equal(Errno.EINVAL, host.SetMaxPages(Caller.Control, domid, requested).Errno);
        Assert.Equal(Errno.EINVAL, host.CreateDomain(Caller.Control, requested).Errno);
        Assert.Equal(Projection.Of(before), Projection.Of(host.Snapshot()));
    }
}
