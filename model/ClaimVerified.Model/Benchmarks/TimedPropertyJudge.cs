using System.Diagnostics;
using ClaimVerified.Model.Monitors;
using ClaimVerified.Profiles;
using ClaimVerified.Specification.Properties;

namespace ClaimVerified.Model.Benchmarks;

/// <summary>
/// The default judge, timed: how much of an exploration is our property checks (the snapshot properties, the admin
/// view, no-leak and the guarantee) and how much is Coyote's, for <see cref="CheckerPower.ExplorationSpeed"/>. One
/// judge per run; under Coyote one task runs at a time, so plain counters are exact. The monitors know nothing of it:
/// a run is handed this judge instead of <see cref="PropertyJudge.Default"/>.
/// </summary>
public sealed class TimedPropertyJudge : PropertyJudge
{
    private long elapsedTicks;

    /// <summary>Time spent in checks.</summary>
    public TimeSpan Elapsed => Stopwatch.GetElapsedTime(0, elapsedTicks);

    /// <summary>Checks timed.</summary>
    public long Checks { get; private set; }

    public override PropertyViolation? Audit(HostSnapshot snapshot, Profile profile) => Timed(() => base.Audit(snapshot, profile));

    public override PropertyViolation? PhysInfo(ClaimVerified.PhysInfo info) => Timed(() => base.PhysInfo(info));

    public override PropertyViolation? Final(HostSnapshot snapshot, Profile profile) => Timed(() => base.Final(snapshot, profile));

    public override PropertyViolation? Guarantee(AllocationFailed failed, BuildAdmitted? build, long othersPages = 0) =>
        Timed(() => base.Guarantee(failed, build, othersPages));

    private T Timed<T>(Func<T> check)
    {
        var started = Stopwatch.GetTimestamp();
        var result = check();
        elapsedTicks += Stopwatch.GetTimestamp() - started;
        Checks++;
        return result;
    }
}
