using ClaimVerified.Profiles;

namespace ClaimVerified.Specification.Properties;

/// <summary>
/// Claim bound: for a live domain, its pages plus its claim never exceed its max_pages. The seed states it as
/// <c>tot_phys_pages &lt;= tot_claimed_pages &lt;= max_pages</c>; Xen checks it only when the claim is staked.
/// </summary>
public sealed class ClaimBound() : SnapshotProperty(
    PropertyIds.ClaimBound,
    "For every alive domain, domain_tot_pages + its claim <= max_pages.")
{
    public override PropertyViolation? Check(HostSnapshot snapshot, Profile profile)
    {
        foreach (var d in snapshot.Domains)
        {
            if (d.State == DomainState.Alive && d.OutstandingPages > 0 && d.DomainTotPages + d.OutstandingPages > d.MaxPages)
            {
                return Violated($"d{d.Id}: tot {d.DomainTotPages} + claim {d.OutstandingPages} > max_pages {d.MaxPages}");
            }
        }

        return null;
    }
}
