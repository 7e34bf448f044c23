using ClaimVerified.Profiles;
using ClaimVerified.Specification.Properties;

namespace ClaimVerified.Model.Monitors;

/// <summary>
/// How the monitors judge what they are shown: each method is one check, returning "[property] detail" or null. The
/// monitors own no judgement of their own, so that a run can be judged by a different judge (the checker-power
/// benchmark times each check by deriving from this class) without the monitors knowing about benchmarks.
/// </summary>
public class PropertyJudge
{
    /// <summary>The judge every ordinary run uses.</summary>
    public static PropertyJudge Default { get; } = new();

    /// <summary>An observer's consistent audit: the snapshot properties.</summary>
    public virtual string? Audit(HostSnapshot snapshot, Profile profile) => SnapshotProperties.FirstViolation(snapshot, profile);

    /// <summary>What <c>xl info</c> showed: the admin view.</summary>
    public virtual string? PhysInfo(ClaimVerified.PhysInfo info) => AdminView.Check(info);

    /// <summary>The final audit when every domain is gone: the snapshot properties, then no-leak.</summary>
    public virtual string? Final(HostSnapshot snapshot, Profile profile) =>
        SnapshotProperties.FirstViolation(snapshot, profile) ?? NoLeak.Check(snapshot);

    /// <summary>
    /// Whether an order-0 allocation failure breaks the guarantee given to <paramref name="build"/> (null: the domain
    /// was never admitted, or its belief was void): ENOMEM below the admitted target.
    /// </summary>
    public virtual bool BreaksGuarantee(AllocationFailed failed, BuildAdmitted? build) =>
        failed.Errno == Errno.ENOMEM && build is not null && failed.TotPages < build.TargetPages;
}
