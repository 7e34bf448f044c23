using ClaimVerified.Specification.Properties;
using CoyoteSpecification = Microsoft.Coyote.Specifications.Specification;
using ClaimVerified.Profiles;

namespace ClaimVerified.Tests.Mutants;

/// <summary>
/// XEN_DOMCTL_claim_memory racing domain_kill, under Coyote. No scenario of the model drives claim sets against a
/// killer, so without this test a claim_memory that checked is_dying outside domctl_lock (mutant
/// ClaimMemoryWithoutDomctlLock) would go unnoticed: the claim lands after the kill released the domain's claim and
/// outlives the domain.
/// </summary>
public sealed class ClaimMemoryKillRaceTests
{
    [Theory]
    [InlineData("claim-sets")]
    [InlineData("reference")]
    public void A_claim_set_never_outlives_a_killed_domain(string profileName)
    {
        var profile = Catalogue.Get(profileName);
        var bug = Stories.FirstBug(async () =>
        {
            var host = new Host(profile, new HostConfig(2, 32));
            var domid = checked((int)host.CreateDomain(Caller.Control, 24).Value);
            var claim = Task.Run(() => host.ClaimMemory(Caller.Control, domid, [new ClaimEntry(8, 0), new ClaimEntry(4, ClaimEntry.Global)]));
            var kill = Task.Run(() => host.DomainKill(Caller.Control, domid));
            await Task.WhenAll(new Task[] { claim, kill });
            var snapshot = host.Snapshot();
            CoyoteSpecification.Assert(snapshot.OutstandingPages == 0,
                $"[{PropertyIds.Release}] d{domid} was killed but a claim of {snapshot.OutstandingPages} pages remains (claim_memory returned {claim.Result})");
        });
        Assert.True(bug is null, bug);
    }
}
