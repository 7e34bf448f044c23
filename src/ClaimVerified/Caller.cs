namespace ClaimVerified;

/// <summary>Who makes a call. Xen decides privilege by the calling domain; this is the same decision.</summary>
public enum CallerKind
{
    /// <summary>The hypervisor itself: its own heap allocations, page offlining on a machine check.</summary>
    Xen,
    /// <summary>The control domain (dom0's toolstack): may claim and act on any domain.</summary>
    Control,
    /// <summary>An unprivileged guest: may only balloon itself and use tmem for itself.</summary>
    Guest,
}

public readonly record struct Caller(CallerKind Kind, int DomainId)
{
    public static Caller Xen => new(CallerKind.Xen, -1);

    public static Caller Control => new(CallerKind.Control, 0);

    public static Caller Guest(int domid) => new(CallerKind.Guest, domid);

    public bool IsPrivileged => Kind != CallerKind.Guest;

    /// <summary>True when the caller may act on <paramref name="domid"/>: privileged callers on anyone, a guest on itself.</summary>
    public bool MayActOn(int domid) => IsPrivileged || DomainId == domid;

    public override string ToString() => Kind switch
    {
        CallerKind.Xen => "xen",
        CallerKind.Control => "dom0",
        _ => $"d{DomainId}",
    };
}
