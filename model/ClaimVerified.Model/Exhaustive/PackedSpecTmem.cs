// The packed engine's tmem (Xen up to 4.12): persistent and ephemeral puts and flushes.
using ClaimVerified.Specification;

namespace ClaimVerified.Model.Exhaustive;

public sealed partial class PackedSpec
{
    [Follows(Rules.TmemPutRefused, Rules.TmemPutPersistentPopulateRefused, Rules.TmemPutPersistent,
        Rules.TmemPutEphemeralDying, Rules.TmemPutEphemeralFromFreeList, Rules.TmemPutEphemeralHeapRefused,
        Rules.TmemPutEphemeral)]
    private PackedStepResult TmemPut(Span<int> row, in PackedOp op)
    {
        var at = Target(row, in op);
        if (at < 0)
        {
            return PackedStepResult.Unchanged;
        }

        if (op.Pool == TmemPool.Persistent)
        {
            var populated = Allocate(row, in op, extra: false); // A populate of one page, then counted as tmem's.
            if (populated == PackedStepResult.Ok)
            {
                row[at + PackedLayout.DomTmemPersistent] += 1;
            }

            return populated;
        }

        if (!Alive(row, at))
        {
            return PackedStepResult.Unchanged;
        }

        var node = profile.TmemPrivateFreeList ? TakeFromTmemFreeList(row) : -1;
        node = node >= 0 ? node : TakeFromHeap(row, -1, 1, noRefcount: true, Operation.AnyNode, exact: false);
        if (node < 0)
        {
            return PackedStepResult.Unchanged;
        }

        row[at + layout.DomTmemEphemeral + node] += 1;
        return PackedStepResult.Ok;
    }

    [Follows(Rules.TmemFlushRefused, Rules.TmemFlushPersistentNone, Rules.TmemFlushPersistent,
        Rules.TmemFlushEphemeralNone, Rules.TmemFlushEphemeral, Rules.TmemFlushEphemeralToFreeList)]
    private PackedStepResult TmemFlush(Span<int> row, in PackedOp op)
    {
        var at = Target(row, in op);
        if (at < 0)
        {
            return PackedStepResult.Unchanged;
        }

        if (op.Pool == TmemPool.Persistent)
        {
            if (row[at + PackedLayout.DomTmemPersistent] < 1 || !Alive(row, at))
            {
                return PackedStepResult.Unchanged;
            }

            row[at + PackedLayout.DomTmemPersistent] -= 1;
            row[at + PackedLayout.DomTot] -= 1;
            TakeDomainPages(row, at, 1, toHeap: true);
            Regrow(row, at, 1);
            return PackedStepResult.Ok;
        }

        for (var node = 0; node < nodes; node++)
        {
            if (row[at + layout.DomTmemEphemeral + node] != 0)
            {
                row[at + layout.DomTmemEphemeral + node] -= 1;
                row[(profile.TmemPrivateFreeList ? layout.TmemFreeList : layout.Free) + node] += 1;
                return PackedStepResult.Ok;
            }
        }

        return PackedStepResult.Unchanged;
    }

    [Follows(Rules.TmemFlushAllRefused, Rules.TmemFlushAllBadPages, Rules.TmemFlushAllFlushed)]
    private PackedStepResult TmemFlushAll(Span<int> row, in PackedOp op)
    {
        if (op.Refused)
        {
            return PackedStepResult.Unchanged;
        }

        // tmem_evict until the list holds the count (a bound's few pages: one at a time), then free the whole list.
        var listed = layout.Sum(row, layout.TmemFreeList);
        while (listed < op.Pages && EvictTmemPage(row) >= 0)
        {
            listed++;
        }

        for (var node = 0; node < nodes; node++)
        {
            row[layout.Free + node] += row[layout.TmemFreeList + node];
            row[layout.TmemFreeList + node] = 0;
        }

        return PackedStepResult.Ok;
    }

    /// <summary>tmem_evict: the lowest domid's ephemeral page on its lowest node moves to tmem's free list; the node, or -1.</summary>
    private int EvictTmemPage(Span<int> row)
    {
        for (var domid = 1; domid < row[layout.NextDomId]; domid++)
        {
            var pool = layout.Domain(domid) + layout.DomTmemEphemeral;
            for (var node = 0; node < nodes; node++)
            {
                if (row[pool + node] != 0)
                {
                    row[pool + node] -= 1;
                    row[layout.TmemFreeList + node] += 1;
                    return node;
                }
            }
        }

        return -1;
    }

    /// <summary>tmh_page_list_get: a page off tmem's free list, lowest node first; the node, or -1.</summary>
    private int TakeFromTmemFreeList(Span<int> row)
    {
        for (var node = 0; node < nodes; node++)
        {
            if (row[layout.TmemFreeList + node] != 0)
            {
                row[layout.TmemFreeList + node] -= 1;
                return node;
            }
        }

        return -1;
    }

    /// <summary>tmem_relinquish_pages behind the scarcity gate: order 0 only; the list's page, or else an evicted one.</summary>
    private int RelinquishTmemPage(Span<int> row, int request)
    {
        if (request != 1)
        {
            return -1;
        }

        var node = TakeFromTmemFreeList(row);
        return node >= 0 ? node : EvictTmemPage(row) >= 0 ? TakeFromTmemFreeList(row) : -1;
    }
}
