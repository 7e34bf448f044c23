namespace ClaimVerified.Specification.Properties;

/// <summary>
/// Every property the model checks, each declared once in its own file (id, statement, kind, check) and listed once
/// here, in the order reports list them. Everything else is derived from this list: the ids the manifest may name,
/// the properties the monitors judge on each audit, physinfo read and final audit (by kind), the properties the
/// exhaustive check judges on every state of the specification (every kind a single state can show), and the README's
/// table (a test compares them).
/// </summary>
public static class PropertyCatalogue
{
    public static IReadOnlyList<Property> All { get; } =
    [
        new ClaimsSum(), new ClaimsBacked(), new ClaimBound(), new Conservation(), new Expiry(), new Release(),
        new Guarantee(), new AdminView(), new NoLeak(), new KillFinal(), new PhysInfoAtomic(),
    ];

    /// <summary>The ids of <see cref="All"/>, in order.</summary>
    public static IReadOnlyList<string> Ids { get; } = [.. All.Select(p => p.Id)];

    /// <summary>The properties judged on every audit an observer takes.</summary>
    public static IReadOnlyList<SnapshotProperty> OnAudits { get; } = [.. All.OfType<SnapshotProperty>()];

    /// <summary>The properties judged on every physinfo read.</summary>
    public static IReadOnlyList<PhysInfoProperty> OnPhysInfo { get; } = [.. All.OfType<PhysInfoProperty>()];

    /// <summary>The properties judged on the final audit, once every domain is gone (after <see cref="OnAudits"/>).</summary>
    public static IReadOnlyList<AllDomainsGoneProperty> AtTheEnd { get; } = [.. All.OfType<AllDomainsGoneProperty>()];

    /// <summary>The properties a single state can show violated: every one but those judged over a run.</summary>
    public static IReadOnlyList<StateProperty> OnStates { get; } = [.. All.OfType<StateProperty>()];

    /// <summary>The guarantee, which the guarantee monitor judges over a run.</summary>
    public static Guarantee Guarantee { get; } = All.OfType<Guarantee>().Single();

    /// <summary>physinfo's atomicity, which the invariant monitor judges on each physinfo against the heap states it spans.</summary>
    public static PhysInfoAtomic PhysInfoAtomic { get; } = All.OfType<PhysInfoAtomic>().Single();

    public static bool Contains(string id) => Ids.Contains(id);

    public static Property Get(string id) =>
        All.SingleOrDefault(p => p.Id == id) ?? throw new KeyNotFoundException($"no property '{id}'");
}
