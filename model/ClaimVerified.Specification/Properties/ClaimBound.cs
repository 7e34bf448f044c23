using ClaimVerified.Profiles;

namespace ClaimVerified.Specification.Properties;

/// <summary>
/// Claim bound: for a live domain, its pages plus its claim never exceed its max_pages. The seed states it as
/// <c>tot_phys_pages &lt;= tot_claimed_pages &lt;= max_pages</c>; Xen checks it only when the claim is staked.
/// </summary>
public sealed class ClaimBound() : DomainProperty(PropertyIds.ClaimBound, "For every alive domain, domain_tot_pages + its claim <= max_pages.")
{
    public override PropertyViolation? CheckDomain(DomainSnapshot domain, Profile profile) =>
        domain.State == DomainState.Alive && domain.OutstandingPages > 0 && domain.DomainTotPages + domain.OutstandingPages > domain.MaxPages
            ? Violated($"d{domain.Id}: tot {domain.DomainTotPages} + claim {domain.OutstandingPages} > max_pages {domain.MaxPages}")
            : null;
}
