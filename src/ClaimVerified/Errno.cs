namespace ClaimVerified;

/// <summary>
/// Result codes in Xen's terms. Expected failures are results, never exceptions: a toolstack must be able to branch
/// on them exactly as libxc callers branch on errno. The numbers are Linux's, as Xen's public headers use them.
/// </summary>
public enum Errno
{
    Ok = 0,
    /// <summary>The caller lacks the privilege (a guest acting on another domain, a guest claiming).</summary>
    EPERM = 1,
    /// <summary>
    /// No such entry: a claim set names a node that is not online or is beyond MAX_NUMNODES (claim-sets v7,
    /// domain_install_claim_set).
    /// </summary>
    ENOENT = 2,
    /// <summary>No such domain (unknown or destroyed), where Xen says so.</summary>
    ESRCH = 3,
    /// <summary>The allocation would take the domain over max_pages (assign_pages).</summary>
    E2BIG = 7,
    /// <summary>Not enough memory: the claim or the allocation cannot be backed.</summary>
    ENOMEM = 12,
    /// <summary>Busy: a page cannot be offlined now (documented by this project; see Host.OfflinePage).</summary>
    EBUSY = 16,
    /// <summary>A bad argument: a size, an order, a target, a second claim, a dying domain where Xen says EINVAL.</summary>
    EINVAL = 22,
    /// <summary>
    /// No such hypercall: XENMEM_claim_pages before Xen 4.3 is an unknown memory op, which do_memory_op hands to
    /// arch_memory_op, whose default answer is -ENOSYS (libxc hid it as success until 7672602df6).
    /// </summary>
    ENOSYS = 38,
    /// <summary>
    /// Not finished: call again. Xen's domain_kill returns -ERESTART while relinquishing is preempted, and do_domctl
    /// makes a hypercall continuation of it (XEN_ERESTART, 85). Only <see cref="Host.DomainKillContinuation"/> returns
    /// it, at finer points than Xen's (after the claim's release too, and once more to find nothing left): every state
    /// between Xen's own return points is among them.
    /// </summary>
    ERESTART = 85,
    /// <summary>The profile has no such operation (tmem after 4.12, claim sets outside their profile, claims with LLC colouring).</summary>
    EOPNOTSUPP = 95,
}

/// <summary>The outcome of one operation: a result code and, on success, the value it returns (pages, a domid).</summary>
public readonly record struct Outcome(Errno Errno, long Value = 0)
{
    public bool IsOk => Errno == Errno.Ok;

    public static Outcome Ok(long value = 0) => new(Errno.Ok, value);

    public static implicit operator Outcome(Errno errno) => new(errno);

    public override string ToString() => IsOk ? (Value == 0 ? "ok" : $"ok {Value}") : Errno.ToString();
}
