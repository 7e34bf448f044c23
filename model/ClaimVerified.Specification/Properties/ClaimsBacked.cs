using ClaimVerified.Profiles;

namespace ClaimVerified.Specification.Properties;

/// <summary>
/// Claims backed: outstanding claims never exceed the free pages (per node too, for node claims). This is the seed's
/// <c>total_unclaimed_pages &lt;= total_free_pages</c> and what makes a claim a promise. Where a profile lets claims
/// count tmem's freeable pages (its ephemeral, free-on-demand pools and its private free list), those pages count as
/// backing.
/// </summary>
public sealed class ClaimsBacked() : SnapshotProperty(PropertyIds.ClaimsBacked, "Outstanding claims never exceed free pages (plus tmem's freeable pages where the design counts them), per node too.")
{
    public override PropertyViolation? Check(HostSnapshot snapshot, Profile profile)
    {
        var tmemPages = profile.ClaimCountsTmemFreeable || profile.SoftClaims ? snapshot.TmemFreeablePages : 0;
        var tmemText = tmemPages > 0 ? $" + tmem freeable {tmemPages}" : "";
        return snapshot.OutstandingPages > snapshot.FreePages + tmemPages
            ? Violated($"outstanding_claims={snapshot.OutstandingPages} > free pages {snapshot.FreePages}{tmemText}")
            : FirstNode(snapshot, node => snapshot.NodeOutstandingPages[node] > snapshot.NodeFreePages[node]
                ? $"node {node}: outstanding={snapshot.NodeOutstandingPages[node]} > free {snapshot.NodeFreePages[node]}"
                : null);
    }
}
