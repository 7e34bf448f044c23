using ClaimVerified.Profiles;

namespace ClaimVerified.Specification.Properties;

/// <summary>
/// Expiry: a claim that is fully occupied is gone. Once a domain's pages reach the target its claim was staked for,
/// no claim remains ("once a domain fully occupies its claim, the claim silently expires", the seed).
/// </summary>
public sealed class Expiry() : SnapshotProperty(
    PropertyIds.Expiry,
    "A domain whose pages have reached its claim's target holds no claim.")
{
    public override PropertyViolation? Check(HostSnapshot snapshot, Profile profile)
    {
        foreach (var d in snapshot.Domains)
        {
            if (d.OutstandingPages > 0 && d.ClaimTargetPages > 0 && d.DomainTotPages >= d.ClaimTargetPages)
            {
                return Violated($"d{d.Id}: tot {d.DomainTotPages} reached the claim target {d.ClaimTargetPages} but {d.OutstandingPages} pages are still claimed");
            }
        }

        return null;
    }
}
