namespace ClaimVerified.Specification.Properties;

/// <summary>
/// Guarantee: the seed's promise. Once a claim for a domain succeeds, allocations for that domain up to the claimed
/// target do not fail for lack of memory, whatever tmem, ballooning guests, other builders and offlining do. A build
/// falls back from 1 GiB to 2 MiB to 4 KiB extents, so the promise is broken exactly when an order-0 allocation fails
/// with ENOMEM below the target. Without claims the toolstack's free-memory check is the (weaker) basis of the same
/// belief. No single state shows it: the guarantee monitor follows each run's admissions, releases and failures.
/// </summary>
public sealed class Guarantee() : Property(
    PropertyIds.Guarantee,
    "Once a claim for a domain succeeds, an order-0 allocation for it below the claimed target never fails with ENOMEM.",
    PropertyKind.Run)
{
    /// <summary>
    /// Judges an order-0 allocation for domain <paramref name="domid"/> that failed with <paramref name="errno"/> at
    /// <paramref name="totPages"/> (on <paramref name="node"/>, or -1 for any node), given what the toolstack was promised:
    /// <paramref name="admitted"/>, or null when the domain was never admitted or its belief is void.
    /// <paramref name="othersPages"/> are pages other callers populated in the domain (a device model's video RAM): they
    /// spend the same claim, so the build is held to its target less them. <paramref name="upToPages"/> is what the build
    /// was admitted for up to the node it failed on (a build placed per node is held to each node's share in turn).
    /// </summary>
    public PropertyViolation? Check(Admission? admitted, int domid, Errno errno, long totPages, int node, long othersPages = 0,
        long upToPages = long.MaxValue)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(othersPages);
        if (errno != Errno.ENOMEM || admitted is not { } build || totPages + othersPages >= Math.Min(build.TargetPages, upToPages))
        {
            return null;
        }

        var where = node >= 0 ? $" on node {node}" : "";
        var others = othersPages > 0 ? $" (and other callers {othersPages} of its pages)" : "";
        return Violated($"d{domid} was admitted by its {build.Basis} for {build.TargetPages} pages, "
            + $"but an order-0 allocation{where} at tot={totPages}{others} failed with ENOMEM");
    }
}

/// <summary>What a toolstack believes of a domain's build: it can reach <paramref name="TargetPages"/>.</summary>
/// <param name="Basis">Why it believes it: "claim", or (without claims) "free-memory check".</param>
/// <param name="TargetPages">The pages the build was admitted for.</param>
public readonly record struct Admission(string Basis, long TargetPages);
