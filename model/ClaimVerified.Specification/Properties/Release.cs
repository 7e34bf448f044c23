using ClaimVerified.Profiles;

namespace ClaimVerified.Specification.Properties;

/// <summary>
/// Release: a dead or destroyed domain holds no claim. domain_kill releases the claim on its way to dead, so a domain
/// that has finished dying with a claim has leaked capacity that nothing will ever release. (A dying domain may hold
/// its claim for the instant between being marked dying and the release; that is not observable as a leak.)
/// </summary>
public sealed class Release() : SnapshotProperty(
    PropertyIds.Release,
    "A dead or destroyed domain holds no claim.")
{
    public override PropertyViolation? Check(HostSnapshot snapshot, Profile profile)
    {
        foreach (var d in snapshot.Domains)
        {
            if (d.State is DomainState.Dead or DomainState.Destroyed && d.OutstandingPages != 0)
            {
                return Violated($"d{d.Id} is {d.State.ToString().ToLowerInvariant()} but still holds a claim of {d.OutstandingPages} pages");
            }
        }

        return null;
    }
}
