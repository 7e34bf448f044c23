// The packed engine's tmem (Xen up to 4.12): persistent and ephemeral puts and flushes.
using ClaimVerified.Specification;

namespace ClaimVerified.Model.Exhaustive;

public sealed partial class PackedSpec
{
    [Follows(Rules.TmemPutRefused, Rules.TmemPutPersistentPopulateRefused, Rules.TmemPutPersistent,
        Rules.TmemPutEphemeralDying, Rules.TmemPutEphemeralHeapRefused, Rules.TmemPutEphemeral)]
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

        var node = TakeFromHeap(row, -1, 0, 1, noRefcount: true, Operation.AnyNode);
        if (node < 0)
        {
            return PackedStepResult.Unchanged;
        }

        row[at + layout.DomTmemEphemeral + node] += 1;
        return PackedStepResult.Ok;
    }

    [Follows(Rules.TmemFlushRefused, Rules.TmemFlushPersistentNone, Rules.TmemFlushPersistent,
        Rules.TmemFlushEphemeralNone, Rules.TmemFlushEphemeral)]
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
                row[layout.Free + node] += 1;
                return PackedStepResult.Ok;
            }
        }

        return PackedStepResult.Unchanged;
    }
}
