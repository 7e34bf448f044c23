namespace ClaimVerified.Specification;

/// <summary>
/// Rule coverage of the specification: every return path of <see cref="Spec.Step"/> carries a rule id,
/// <c>&lt;operation&gt;.&lt;n&gt;-&lt;result&gt;</c> (the n-th return of that operation's function in Spec.cs, and the result it gives;
/// <c>rc</c> when the result is passed through from a helper). <see cref="Spec.StepWithRules"/> reports the rules one
/// step went through (a step may pass through a helper's rule too, e.g. <c>heap.*</c>, the allocator's claim check and
/// node choice). Recording is per thread and off unless a step asks for it, so it costs nothing elsewhere.
/// </summary>
public static class Rules
{
    [ThreadStatic]
    private static List<string>? recorder;

    /// <summary>Every rule id, in source order.</summary>
    public static IReadOnlyList<string> All { get; } =
    [
        "create.1-EPERM",
        "create.2-EINVAL",
        "create.3-ENOMEM",
        "create.4-ok",
        "maxmem.1-EPERM",
        "maxmem.2-EINVAL",
        "maxmem.3-ESRCH",
        "maxmem.4-ok",
        "kill.1-EPERM",
        "kill.2-ESRCH",
        "kill.3-ok",
        "kill.4-ok",
        "destroy.1-rc",
        "destroy.2-ok",
        "claim.1-EOPNOTSUPP",
        "claim.2-EOPNOTSUPP",
        "claim.3-EINVAL",
        "claim.4-rc",
        "claim.5-EPERM",
        "claim.6-EINVAL",
        "claim.7-ok",
        "claim.8-EINVAL",
        "claim.9-EINVAL",
        "claim.10-EINVAL",
        "claim.11-ENOMEM",
        "claim.12-ok",
        "claimset.1-EOPNOTSUPP",
        "claimset.2-EINVAL",
        "claimset.3-E2BIG",
        "claimset.4-EINVAL",
        "claimset.5-EPERM",
        "claimset.6-ESRCH",
        "claimset.7-ok",
        "claimset.8-EINVAL",
        "claimset.9-ENOMEM",
        "claimset.10-ENOMEM",
        "claimset.11-ok",
        "heap.1-ENOMEM",
        "heap.2-ok",
        "heap.3-ok",
        "heap.4-ENOMEM",
        "alloc.1-EINVAL",
        "alloc.2-ESRCH",
        "alloc.3-EPERM",
        "alloc.4-ENOMEM",
        "alloc.5-rc",
        "alloc.6-EINVAL",
        "alloc.7-ok",
        "alloc.8-EPERM",
        "alloc.9-E2BIG",
        "alloc.10-assign-first-EINVAL",
        "alloc.11-assign-first-EPERM",
        "alloc.12-assign-first-E2BIG",
        "alloc.10-ok",
        "xen-alloc.1-EINVAL",
        "xen-alloc.2-EPERM",
        "xen-alloc.3-rc",
        "xen-alloc.4-ok",
        "xen-free.1-EPERM",
        "xen-free.2-EINVAL",
        "xen-free.3-ok",
        "decrease.1-EINVAL",
        "decrease.2-ESRCH",
        "decrease.3-EPERM",
        "decrease.4-EINVAL",
        "decrease.5-ok",
        "share.1-ESRCH",
        "share.2-EPERM",
        "share.3-EINVAL",
        "share.4-ok",
        "offline.1-EINVAL",
        "offline.2-EPERM",
        "offline.3-EBUSY",
        "offline.4-EBUSY",
        "offline.5-ok",
        "tmem-put.1-rc",
        "tmem-put.2-rc",
        "tmem-put.3-ok",
        "tmem-put.4-EINVAL",
        "tmem-put.5-rc",
        "tmem-put.6-ok",
        "tmem-flush.1-rc",
        "tmem-flush.2-EINVAL",
        "tmem-flush.3-ok",
        "tmem-flush.4-EINVAL",
        "tmem-flush.5-ok",
        "physinfo.1-ok",
        "domaininfo.1-ok",
        "domaininfo.2-ESRCH",
    ];

    /// <summary>Records <paramref name="rule"/> when a step is being traced, and returns <paramref name="value"/>.</summary>
    internal static T Hit<T>(string rule, T value)
    {
        recorder?.Add(rule);
        return value;
    }

    internal static List<string>? Swap(List<string>? next)
    {
        var previous = recorder;
        recorder = next;
        return previous;
    }
}
