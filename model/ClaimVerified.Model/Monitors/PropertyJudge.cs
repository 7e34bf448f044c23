using ClaimVerified.Profiles;
using ClaimVerified.Specification.Properties;

namespace ClaimVerified.Model.Monitors;

/// <summary>
/// How the monitors judge what they are shown: each method runs the catalogue's properties of one kind and returns the
/// first violation, or null. The monitors own no judgement of their own, so that a run can be judged by a different
/// judge (the checker-power benchmark times each check by deriving from this class) without the monitors knowing
/// about benchmarks.
/// </summary>
public class PropertyJudge
{
    /// <summary>The judge every ordinary run uses.</summary>
    public static PropertyJudge Default { get; } = new();

    /// <summary>The property this judge checks alone, or null: every property.</summary>
    private readonly string? only;

    /// <summary>The violations of a run that goes on past them: the properties recorded there are not judged again (null: none).</summary>
    private readonly ViolationLog? recorded;

    public PropertyJudge()
    {
    }

    private PropertyJudge(string? only, ViolationLog? recorded) => (this.only, this.recorded) = (only, recorded);

    /// <summary>
    /// A judge of <paramref name="property"/> alone: the run goes on past a violation of any other, so a finding that
    /// breaks another property early in most schedules cannot hide this one (what attribution explores with).
    /// </summary>
    public static PropertyJudge Only(string property) => PropertyCatalogue.Contains(property)
        ? new PropertyJudge(property, null)
        : throw new ArgumentException($"no property '{property}'", nameof(property));

    /// <summary>
    /// This judge for a run that goes on past its violations into <paramref name="log"/>: a property recorded there is
    /// not judged again, so one audit reports each property it breaks once, and a condition that persists (a claim left
    /// unbacked, judged again at every unlock) is not news. Not for a judge of a derived class, whose checks it would lose.
    /// </summary>
    public PropertyJudge ContinuingWith(ViolationLog log)
    {
        ArgumentNullException.ThrowIfNull(log);
        return GetType() == typeof(PropertyJudge) && recorded is null
            ? new PropertyJudge(only, log)
            : throw new InvalidOperationException("only a plain judge, not continuing already, can go on past violations");
    }

    private bool Judges(Property property) => (only is null || property.Id == only) && recorded?.Has(property.Id) != true;

    /// <summary>An observer's consistent audit: the snapshot properties.</summary>
    public virtual PropertyViolation? Audit(HostSnapshot snapshot, Profile profile) => FirstOnAudit(snapshot, profile);

    /// <summary>What <c>xl info</c> showed: the physinfo properties (the admin view).</summary>
    public virtual PropertyViolation? PhysInfo(ClaimVerified.PhysInfo info)
    {
        foreach (var property in PropertyCatalogue.OnPhysInfo.Where(Judges))
        {
            if (property.Check(info) is { } violation)
            {
                return violation;
            }
        }

        return null;
    }

    /// <summary>Whether what physinfo returned is a pair of totals the host held at one instant during the call.</summary>
    public virtual PropertyViolation? PhysInfoAtomic(ClaimVerified.PhysInfo info, IReadOnlyList<(long FreePages, long OutstandingPages)> heldDuringCall)
    {
        ArgumentNullException.ThrowIfNull(info);
        return Judges(PropertyCatalogue.PhysInfoAtomic) ? PropertyCatalogue.PhysInfoAtomic.Check(info.FreePages, info.OutstandingPages, heldDuringCall) : null;
    }

    /// <summary>The final audit when every domain is gone: the snapshot properties, then those of the end (no-leak).</summary>
    public virtual PropertyViolation? Final(HostSnapshot snapshot, Profile profile)
    {
        if (FirstOnAudit(snapshot, profile) is { } violation)
        {
            return violation;
        }

        foreach (var property in PropertyCatalogue.AtTheEnd.Where(Judges))
        {
            if (property.Check(snapshot) is { } atTheEnd)
            {
                return atTheEnd;
            }
        }

        return null;
    }

    /// <summary>
    /// The guarantee, judged on a failed order-0 allocation given what <paramref name="build"/> was admitted for (null:
    /// the domain was never admitted, or its belief was void): broken by ENOMEM below the admitted target, less what
    /// other callers populated in the domain (<paramref name="othersPages"/>).
    /// </summary>
    public virtual PropertyViolation? Guarantee(AllocationFailed failed, BuildAdmitted? build, long othersPages = 0)
    {
        ArgumentNullException.ThrowIfNull(failed);
        if (!Judges(PropertyCatalogue.Guarantee))
        {
            return null;
        }

        var admitted = build is null ? (Admission?)null : new Admission(build.Basis, build.TargetPages);
        return PropertyCatalogue.Guarantee.Check(admitted, failed.Domid, failed.Errno, failed.TotPages, failed.Node, othersPages,
            failed.UpToPages);
    }

    private PropertyViolation? FirstOnAudit(HostSnapshot snapshot, Profile profile)
    {
        foreach (var property in PropertyCatalogue.OnAudits.Where(Judges))
        {
            if (property.Check(snapshot, profile) is { } violation)
            {
                return violation;
            }
        }

        return null;
    }
}
