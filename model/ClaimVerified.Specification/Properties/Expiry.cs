using ClaimVerified.Profiles;

namespace ClaimVerified.Specification.Properties;

/// <summary>
/// Expiry: a claim that is fully occupied is gone. Once a domain's pages reach the target its claim was staked for,
/// no claim remains ("once a domain fully occupies its claim, the claim silently expires", the seed).
/// </summary>
public sealed class Expiry() : DomainProperty(PropertyIds.Expiry, "A domain whose pages have reached its claim's target holds no claim.")
{
    public override PropertyViolation? CheckDomain(DomainSnapshot domain, Profile profile) =>
        domain.OutstandingPages > 0 && domain.ClaimTargetPages > 0 && domain.DomainTotPages >= domain.ClaimTargetPages
            ? Violated($"d{domain.Id}: tot {domain.DomainTotPages} reached the claim target {domain.ClaimTargetPages} but {domain.OutstandingPages} pages are still claimed")
            : null;
}
