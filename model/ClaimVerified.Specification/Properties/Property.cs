using ClaimVerified.Profiles;

namespace ClaimVerified.Specification.Properties;

/// <summary>What a property is judged on. Every property has exactly one kind, and the kind says who judges it.</summary>
public enum PropertyKind
{
    /// <summary>An observer's consistent audit of the host (a <see cref="HostSnapshot"/>), wherever one is taken.</summary>
    Snapshot,

    /// <summary>What an administrator's physinfo read shows.</summary>
    PhysInfo,

    /// <summary>The final audit, when every domain is gone.</summary>
    AllDomainsGone,

    /// <summary>A whole run: a Coyote monitor follows what toolstacks were promised; no single state shows it.</summary>
    Run,
}

/// <summary>
/// A property of the model, as the <see cref="PropertyCatalogue"/> declares it: its id (the name every violation message
/// starts with), its statement in plain words, and its kind (what it is judged on). Each kind has its own base class
/// with the check that kind takes; a check returns a <see cref="PropertyViolation"/> or null.
/// </summary>
public abstract class Property
{
    private protected Property(string id, string statement, PropertyKind kind)
    {
        Id = id;
        Statement = statement;
        Kind = kind;
    }

    public string Id { get; }

    /// <summary>The property in plain words, for humans and for reports (the README's table is these).</summary>
    public string Statement { get; }

    public PropertyKind Kind { get; }

    /// <summary>What the kind is judged on, in words (the README table's "judged on" column).</summary>
    public string JudgedOn => Kind switch
    {
        PropertyKind.Snapshot => "every audit",
        PropertyKind.PhysInfo => "every physinfo read",
        PropertyKind.AllDomainsGone => "the final audit",
        PropertyKind.Run => "the run, by a Coyote monitor",
        _ => throw new InvalidOperationException($"unknown property kind {Kind}"),
    };

    public override string ToString() => Id;

    /// <summary>A violation of this property, with what is wrong and the numbers.</summary>
    protected PropertyViolation Violated(string detail) => new(Id, detail);
}

/// <summary>
/// A property that one state of the host can show violated: every kind but <see cref="PropertyKind.Run"/>. Besides its
/// own check, each can be judged on what the core's audit would show for a state of the sequential specification
/// (<see cref="SpecProperties"/>).
/// </summary>
public abstract class StateProperty : Property
{
    private protected StateProperty(string id, string statement, PropertyKind kind)
        : base(id, statement, kind)
    {
    }

    /// <summary>The property judged on <paramref name="snapshot"/>, a state's audit: null when it holds there.</summary>
    public abstract PropertyViolation? JudgeState(HostSnapshot snapshot, Profile profile);
}

/// <summary>
/// A property of the whole host that can be judged from one consistent <see cref="HostSnapshot"/>: what an observer
/// holding every lock could see between two critical sections.
/// </summary>
public abstract class SnapshotProperty(string id, string statement) : StateProperty(id, statement, PropertyKind.Snapshot)
{
    /// <summary>Null when the snapshot satisfies the property, else what is wrong, with the numbers.</summary>
    public abstract PropertyViolation? Check(HostSnapshot snapshot, Profile profile);

    public sealed override PropertyViolation? JudgeState(HostSnapshot snapshot, Profile profile) => Check(snapshot, profile);

    /// <summary>The first node whose counters <paramref name="nodeDetail"/> finds wrong (null: right), as a violation.</summary>
    protected PropertyViolation? FirstNode(HostSnapshot snapshot, Func<int, string?> nodeDetail)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(nodeDetail);
        return Enumerable.Range(0, snapshot.NodeOutstandingPages.Count).Select(nodeDetail).FirstOrDefault(d => d is not null) is { } detail
            ? Violated(detail)
            : null;
    }
}

/// <summary>A property of what one physinfo call returns (free and outstanding read together under heap_lock).</summary>
/// <summary>
/// A snapshot property that is judged domain by domain: the first domain that breaks it is the violation. Claim
/// bound, expiry and release are each a statement about one domain's counters.
/// </summary>
public abstract class DomainProperty(string id, string statement) : SnapshotProperty(id, statement)
{
    /// <summary>Null when <paramref name="domain"/> satisfies the property, else what is wrong with it.</summary>
    public abstract PropertyViolation? CheckDomain(DomainSnapshot domain, Profile profile);

    public sealed override PropertyViolation? Check(HostSnapshot snapshot, Profile profile)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        return snapshot.Domains.Select(d => CheckDomain(d, profile)).FirstOrDefault(v => v is not null);
    }
}

public abstract class PhysInfoProperty(string id, string statement) : StateProperty(id, statement, PropertyKind.PhysInfo)
{
    public abstract PropertyViolation? Check(ClaimVerified.PhysInfo info);

    /// <summary>Judged on the physinfo a state would return.</summary>
    public sealed override PropertyViolation? JudgeState(HostSnapshot snapshot, Profile profile)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        return Check(new ClaimVerified.PhysInfo(snapshot.TotalPages, snapshot.FreePages, snapshot.OutstandingPages,
            snapshot.NodeFreePages, snapshot.NodeOutstandingPages, snapshot.TmemFreeablePages));
    }
}

/// <summary>A property of the host once every domain is gone: judged on the final audit.</summary>
public abstract class AllDomainsGoneProperty(string id, string statement) : StateProperty(id, statement, PropertyKind.AllDomainsGone)
{
    /// <summary>Judges the final audit; the caller knows every domain is gone.</summary>
    public abstract PropertyViolation? Check(HostSnapshot snapshot);

    /// <summary>Judged on a state only when no domain is alive there.</summary>
    public sealed override PropertyViolation? JudgeState(HostSnapshot snapshot, Profile profile)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        return snapshot.Domains.Any(d => d.State == DomainState.Alive) ? null : Check(snapshot);
    }
}
