using ClaimVerified.Profiles;

namespace ClaimVerified.Specification.Properties;

/// <summary>
/// Kill final: once domain_kill has begun, the domain is never alive again. Xen's domain_kill (xen/common/domain.c)
/// marks the domain dying first, under domctl_lock, before it releases the claim or relinquishes a page; everything that
/// could add to a domain (assign_pages, the claim wrapper since 2379ca04fe) refuses a dying one, so a kill that lets the
/// domain look alive while it is being torn down lets allocations and claims for it succeed meanwhile.
/// </summary>
public sealed class KillFinal() : DomainProperty(
    PropertyIds.KillFinal,
    "Once domain_kill has begun, the domain is never seen alive again, so nothing can be allocated or claimed for it.")
{
    public override PropertyViolation? CheckDomain(DomainSnapshot domain, Profile profile) =>
        domain.KillStarted && domain.State == DomainState.Alive
            ? Violated($"d{domain.Id}: domain_kill has begun but the domain is still alive (tot={domain.TotPages}, claim={domain.OutstandingPages})")
            : null;
}
