using ClaimVerified.Profiles;

namespace ClaimVerified.Specification.Properties;

/// <summary>
/// Release: a dead or destroyed domain holds no claim. domain_kill releases the claim on its way to dead, so a domain
/// that has finished dying with a claim has leaked capacity that nothing will ever release. (A dying domain may hold
/// its claim for the instant between being marked dying and the release; that is not observable as a leak.)
/// </summary>
public sealed class Release() : DomainProperty(PropertyIds.Release, "A dead or destroyed domain holds no claim.")
{
    public override PropertyViolation? CheckDomain(DomainSnapshot domain, Profile profile) =>
        domain.State is DomainState.Dead or DomainState.Destroyed && domain.OutstandingPages != 0
            ? Violated($"d{domain.Id} is {domain.State.ToString().ToLowerInvariant()} but still holds a claim of {domain.OutstandingPages} pages")
            : null;
}
