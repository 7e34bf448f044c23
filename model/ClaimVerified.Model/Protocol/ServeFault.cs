using ClaimVerified.Specification;

namespace ClaimVerified.Model.Protocol;

/// <summary>
/// A deliberate mistake of <see cref="ProtocolServer"/>, as a type (<c>claimverify serve --fault NAME</c>): what the
/// checker must reject, shown on an implementation whose every other answer is right. <see cref="None"/> is the core
/// as it is.
/// </summary>
public abstract class ServeFault
{
    public static ServeFault None { get; } = new NoFault();

    /// <summary>The faults by name, for the command line.</summary>
    public static IReadOnlyDictionary<string, Func<ServeFault>> ByName { get; } = new Dictionary<string, Func<ServeFault>>(StringComparer.Ordinal)
    {
        [DropsRelease.FaultName] = () => new DropsRelease(),
        [StalePhysInfo.FaultName] = () => new StalePhysInfo(),
    };

    /// <summary>" (fault: NAME)", or empty for the honest server.</summary>
    public abstract string Describe();

    /// <summary>A fresh host: forget what the fault remembered.</summary>
    public virtual void Reset()
    {
    }

    /// <summary>Performs <paramref name="call"/>: <paramref name="honest"/> does it right.</summary>
    public virtual Outcome Apply(Host host, Operation call, Func<Outcome> honest) => honest();

    /// <summary>physinfo's counters: <paramref name="honest"/> reads them right.</summary>
    public virtual IReadOnlyDictionary<string, string> PhysInfo(Host host, Func<IReadOnlyDictionary<string, string>> honest) => honest();

    private sealed class NoFault : ServeFault
    {
        public override string Describe() => string.Empty;
    }
}

/// <summary>A claim released (target 0) is answered ok but stays staked: the sequential phase sees it.</summary>
public sealed class DropsRelease : ServeFault
{
    public const string FaultName = "drops-release";

    public override string Describe() => $" (fault: {FaultName})";

    public override Outcome Apply(Host host, Operation call, Func<Outcome> honest) =>
        call is ClaimPages { Pages: 0 } ? Outcome.Ok() : honest();
}

/// <summary>
/// physinfo answers what the physinfo before it read (a cache never refreshed after the first): right only while
/// nothing changed in between, so a check that reads after every call, or a concurrent history, sees it.
/// </summary>
public sealed class StalePhysInfo : ServeFault
{
    public const string FaultName = "stale-physinfo";

    private readonly object cacheLock = new();
    private IReadOnlyDictionary<string, string>? previous;

    public override string Describe() => $" (fault: {FaultName})";

    public override void Reset()
    {
        lock (cacheLock)
        {
            previous = null;
        }
    }

    public override IReadOnlyDictionary<string, string> PhysInfo(Host host, Func<IReadOnlyDictionary<string, string>> honest)
    {
        ArgumentNullException.ThrowIfNull(honest);
        var now = honest();
        lock (cacheLock)
        {
            var answer = previous ?? now;
            previous = now;
            return answer;
        }
    }
}
