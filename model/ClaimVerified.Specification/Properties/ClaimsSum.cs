using ClaimVerified.Profiles;

namespace ClaimVerified.Specification.Properties;

/// <summary>
/// Claims sum: the host's outstanding claims equal the sum of every domain's remaining claim (destroyed domains
/// included, so that a leaked claim is still counted), and per node likewise. Xen's design notes state it as
/// <c>outstanding_claims == sum of d->outstanding_pages</c>; both sides live under heap_lock, so it holds at every point
/// an observer can see.
/// </summary>
public sealed class ClaimsSum() : SnapshotProperty(PropertyIds.ClaimsSum, "The host's outstanding claims equal the sum of every domain's remaining claim (destroyed domains included), and per node likewise.")
{
    public override PropertyViolation? Check(HostSnapshot snapshot, Profile profile)
    {
        var sumPages = snapshot.Domains.Sum(d => d.OutstandingPages);
        return sumPages != snapshot.OutstandingPages
            ? Violated($"outstanding_claims={snapshot.OutstandingPages} but the domains' claims sum to {sumPages}")
            : FirstNode(snapshot, node => snapshot.Domains.Sum(d => d.NodeOutstandingPages[node]) is var nodeSumPages
                && nodeSumPages != snapshot.NodeOutstandingPages[node]
                    ? $"node {node}: outstanding={snapshot.NodeOutstandingPages[node]} but the domains' claims sum to {nodeSumPages}"
                    : null);
    }
}
