// The packed engine's domain life: createdomain, max_mem, domain_kill, destroy.
using ClaimVerified.Specification;

namespace ClaimVerified.Model.Exhaustive;

public sealed partial class PackedSpec
{
    [Follows(Rules.CreateNotPrivileged, Rules.CreateMaxNegative, Rules.CreateDomIdsExhausted, Rules.CreateCreated)]
    private PackedStepResult Create(Span<int> row, in PackedOp op)
    {
        var domid = row[layout.NextDomId];
        if (op.Refused || domid >= Spec.DomIdLimit)
        {
            return PackedStepResult.Unchanged;
        }

        if (domid > layout.MaxDomains)
        {
            // The alphabet offers no create once the bound's domains exist; a row has no slot for another one.
            throw new InvalidOperationException($"create beyond the layout's {layout.MaxDomains} domains");
        }

        var at = layout.Domain(domid);
        row.Slice(at, layout.DomainWidth).Clear();
        row[at + PackedLayout.DomState] = (int)DomainState.Alive;
        row[at + PackedLayout.DomMax] = op.Pages;
        row[at + PackedLayout.DomNodeAffinity] = (int)SpecDomain.AllNodes(nodes); // every node: automatic
        row[layout.NextDomId] = domid + 1;
        return PackedStepResult.Ok;
    }

    [Follows(Rules.NodeAffinityNotPrivileged, Rules.NodeAffinityUnsupported, Rules.NodeAffinityUnknownDomain, Rules.NodeAffinityRefused,
        Rules.NodeAffinitySet)]
    private PackedStepResult SetAffinity(Span<int> row, in PackedOp op)
    {
        var at = Target(row, in op);
        if (at < 0)
        {
            return PackedStepResult.Unchanged;
        }

        row[at + PackedLayout.DomNodeAffinity] = op.Pages; // the host's nodes of the set, compiled once
        return PackedStepResult.Ok;
    }

    [Follows(Rules.UnpauseNotPrivileged, Rules.UnpauseUnknownDomain, Rules.UnpauseAgain, Rules.UnpauseStarted)]
    private PackedStepResult Unpause(Span<int> row, in PackedOp op)
    {
        var at = Target(row, in op);
        if (at < 0 || row[at + PackedLayout.DomStarted] != 0)
        {
            return PackedStepResult.Unchanged;
        }

        row[at + PackedLayout.DomStarted] = 1;
        return PackedStepResult.Ok;
    }

    [Follows(Rules.MaxMemNotPrivileged, Rules.MaxMemNegative, Rules.MaxMemUnknownDomain, Rules.MaxMemSet)]
    private PackedStepResult SetMax(Span<int> row, in PackedOp op)
    {
        var at = Target(row, in op);
        if (at < 0)
        {
            return PackedStepResult.Unchanged;
        }

        row[at + PackedLayout.DomMax] = op.Pages;
        var claim = row[at + PackedLayout.DomClaim];
        var excess = DomainTot(row, at) + claim - op.Pages;
        if (profile.MaxPagesTrimsClaim && excess > 0 && claim > 0)
        {
            ShrinkClaim(row, at, node: -1, Math.Min(excess, claim));
        }

        return PackedStepResult.Ok;
    }

    [Follows(Rules.KillNotPrivileged, Rules.KillUnknownDomain, Rules.KillAlreadyDead, Rules.KillKilled, Rules.KillFinished)]
    private PackedStepResult Kill(Span<int> row, in PackedOp op)
    {
        var at = Target(row, in op);
        if (at < 0)
        {
            return PackedStepResult.Unchanged;
        }

        if (row[at + PackedLayout.DomState] == (int)DomainState.Dying)
        {
            RelinquishAll(row, at); // Rules.KillFinished: another caller's continuations began the kill.
            return PackedStepResult.Ok;
        }

        if (!Alive(row, at))
        {
            return PackedStepResult.Ok; // Rules.KillAlreadyDead: nothing happens.
        }

        BeginKill(row, at);
        RelinquishAll(row, at);
        return PackedStepResult.Ok;
    }

    /// <summary>One continuation of domain_kill: begin, or give back a chunk (both not finished), or dead.</summary>
    [Follows(Rules.KillStepNotPrivileged, Rules.KillStepUnknownDomain, Rules.KillStepBegun, Rules.KillStepRelinquished, Rules.KillStepDead)]
    private PackedStepResult KillStep(Span<int> row, in PackedOp op)
    {
        var at = Target(row, in op);
        if (at < 0)
        {
            return PackedStepResult.Unchanged;
        }

        if (Alive(row, at))
        {
            BeginKill(row, at);
            return PackedStepResult.FailedAfterChange; // ERESTART: the host changed, the kill goes on.
        }

        if (row[at + PackedLayout.DomState] == (int)DomainState.Dying && Owned(row, at) > 0)
        {
            RelinquishChunk(row, at);
            return PackedStepResult.FailedAfterChange;
        }

        row[at + PackedLayout.DomState] = (int)DomainState.Dead;
        return PackedStepResult.Ok;
    }

    /// <summary>Dying, the claim released, tmem's pools gone (their ephemeral pages to tmem's free list or the heap).</summary>
    private void BeginKill(Span<int> row, int at)
    {
        ReleaseClaim(row, at);
        var poolsTo = profile.TmemPrivateFreeList ? layout.TmemFreeList : layout.Free; // Where destroyed pools' pages go.
        for (var node = 0; node < nodes; node++)
        {
            row[poolsTo + node] += row[at + layout.DomTmemEphemeral + node];
            row[at + layout.DomTmemEphemeral + node] = 0;
        }

        row[at + PackedLayout.DomState] = (int)DomainState.Dying;
    }

    private int Owned(ReadOnlySpan<int> row, int at) =>
        profile.TotIncludesExtraPages ? row[at + PackedLayout.DomTot] : row[at + PackedLayout.DomTot] + row[at + PackedLayout.DomExtra];

    private void RelinquishAll(Span<int> row, int at)
    {
        while (Owned(row, at) > 0)
        {
            RelinquishChunk(row, at);
        }

        row[at + PackedLayout.DomState] = (int)DomainState.Dead;
        row[at + PackedLayout.DomTmemPersistent] = 0;
    }

    /// <summary>A chunk of relinquish_memory: extra pages first, from the highest node, to the heap; refcounted ones regrow the claim.</summary>
    private void RelinquishChunk(Span<int> row, int at)
    {
        var chunk = (int)Math.Min(Host.RelinquishChunkPages, Owned(row, at));
        var extra = Math.Min(row[at + PackedLayout.DomExtra], chunk);
        row[at + PackedLayout.DomExtra] -= extra;
        row[at + PackedLayout.DomTot] -= profile.TotIncludesExtraPages ? chunk : chunk - extra;
        row[at + PackedLayout.DomTmemPersistent] = Math.Min(row[at + PackedLayout.DomTmemPersistent], DomainTot(row, at));
        TakeDomainPages(row, at, chunk, toHeap: true);
        Regrow(row, at, chunk - extra);
    }

    [Follows(Rules.DestroyKillRefused, Rules.DestroyDestroyed)]
    private PackedStepResult Destroy(Span<int> row, in PackedOp op)
    {
        var killed = Kill(row, in op);
        if (killed != PackedStepResult.Ok)
        {
            return killed;
        }

        row[layout.Domain(op.DomId) + PackedLayout.DomState] = (int)DomainState.Destroyed;
        return PackedStepResult.Ok;
    }
}
