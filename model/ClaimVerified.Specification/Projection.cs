namespace ClaimVerified.Specification;

/// <summary>
/// The one text both a specification state and a core snapshot map to, holding the accounting both can show: free
/// pages and outstanding claims per node, Xen's heap, offlined and shared pages, tmem's free list per node, and per domain its state, tot_pages,
/// extra_pages, max_pages, claim (per node too), tmem pages, pages in flight (always 0 between sequential steps) and
/// whether its creation finished (the toolstack's unpause).
/// Equal texts mean equal accounting. The core's ghost claim target is left out: it is not Xen state.
/// </summary>
public static class Projection
{
    public static string Of(SpecState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        return Format(
            state.Free.Values, state.Outstanding, state.NodeOutstanding.Values, state.XenHeap.Sum, state.Offlined,
            state.Shared, state.TmemFreeList.Values,
            state.Domains.Values.Select(d => DomainLine(d.Id, d.State, d.Tot, d.Extra, d.Max, d.Claim, d.NodeClaims.Values,
                d.TmemEphemeral.Sum, d.TmemPersistent, inFlight: 0, d.LastAllocNode, d.NodeAffinity, d.Started)));
    }

    public static string Of(HostSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        return Format(
            snapshot.NodeFreePages, snapshot.OutstandingPages, snapshot.NodeOutstandingPages, snapshot.XenHeapPages,
            snapshot.OfflinedPages, snapshot.SharedPages, snapshot.NodeTmemFreeListPages,
            snapshot.Domains.OrderBy(d => d.Id).Select(d => DomainLine(d.Id, d.State, d.TotPages, d.ExtraPages, d.MaxPages,
                d.OutstandingPages, d.NodeOutstandingPages, d.TmemEphemeralPages, d.TmemPersistentPages, d.PagesInFlight, d.LastAllocNode, d.NodeAffinity,
                d.CreationFinished)));
    }

    private static string Format(
        IEnumerable<long> free, long outstanding, IEnumerable<long> nodeOutstanding, long xenHeap, long offlined, long shared,
        IEnumerable<long> tmemFreeList, IEnumerable<string> domains) =>
        $"free=[{string.Join(",", free)}] outstanding={outstanding} node-claims=[{string.Join(",", nodeOutstanding)}]"
        + $" xenheap={xenHeap} offlined={offlined} shared={shared} tmem-free-list=[{string.Join(",", tmemFreeList)}]"
        + string.Concat(domains.Select(line => Environment.NewLine + line));

    private static string DomainLine(
        int id, DomainState state, long tot, long extra, long max, long claim, IEnumerable<long> nodeClaims, long tmemEphemeral,
        long tmemPersistent, long inFlight, int lastAllocNode, ulong nodeAffinity, bool started) =>
        $"  d{id} {state.ToString().ToLowerInvariant()} tot={tot} extra={extra} max={max} claim={claim}"
        + $" node-claims=[{string.Join(",", nodeClaims)}] tmem={tmemEphemeral}+{tmemPersistent} inflight={inFlight} last-node={lastAllocNode} affinity={nodeAffinity:x}"
        + (started ? " started" : "");
}
