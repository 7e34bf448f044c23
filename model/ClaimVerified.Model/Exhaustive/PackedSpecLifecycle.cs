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
        row[layout.NextDomId] = domid + 1;
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

    [Follows(Rules.KillNotPrivileged, Rules.KillUnknownDomain, Rules.KillAlreadyDead, Rules.KillKilled)]
    private PackedStepResult Kill(Span<int> row, in PackedOp op)
    {
        var at = Target(row, in op);
        if (at < 0)
        {
            return PackedStepResult.Unchanged;
        }

        if (!Alive(row, at))
        {
            return PackedStepResult.Ok; // Rules.KillAlreadyDead: nothing happens.
        }

        ReleaseClaim(row, at);
        var poolsTo = profile.TmemPrivateFreeList ? layout.TmemFreeList : layout.Free; // Where destroyed pools' pages go.
        for (var node = 0; node < nodes; node++)
        {
            row[poolsTo + node] += row[at + layout.DomTmemEphemeral + node];
            row[at + layout.DomTmemEphemeral + node] = 0;
        }

        Regrow(row, at, DomainTot(row, at)); // The claim is zero here, so nothing regrows (as in the specification).
        for (var node = 0; node < nodes; node++)
        {
            row[layout.Free + node] += row[at + layout.DomPages + node];
            row[at + layout.DomPages + node] = 0;
        }

        row[at + PackedLayout.DomState] = (int)DomainState.Dead;
        row[at + PackedLayout.DomTot] = 0;
        row[at + PackedLayout.DomExtra] = 0;
        row[at + PackedLayout.DomTmemPersistent] = 0;
        return PackedStepResult.Ok;
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
