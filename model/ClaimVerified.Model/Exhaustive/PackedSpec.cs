// The packed engine's seam: the compiled specification's state, Step, the ghost targets and the dispatch by operation.
using Microsoft.Coyote.Rewriting;
using ClaimVerified.Profiles;
using ClaimVerified.Specification;
using ClaimVerified.Specification.Properties;

namespace ClaimVerified.Model.Exhaustive;

/// <summary>What a packed step did to its row.</summary>
public enum PackedStepResult
{
    /// <summary>The operation was refused and the row is as it was (the specification returns the same state).</summary>
    Unchanged,

    /// <summary>The operation succeeded.</summary>
    Ok,

    /// <summary>The operation failed, or did not finish, after changing the host: assign_pages refused pages the heap
    /// had already handed out (the claim redeemed in the heap section staying redeemed), or a kill step answered
    /// ERESTART.</summary>
    FailedAfterChange,
}

/// <summary>
/// The specification compiled for exhaustive checking: <see cref="Spec.Step"/> over a <see cref="PackedLayout"/>
/// row instead of immutable records, mutating the row in place, with the bound's operations decoded once. It is the
/// same state machine, rule for rule and in the same order (each method names, with <see cref="FollowsAttribute"/>, the
/// specification's rules it follows), and it also keeps the ghost claim targets the way <see cref="GhostTargets"/> does.
/// </summary>
/// <remarks>
/// Why two forms of one specification: the record form is what people read and what the core is compared with; it
/// allocates a new state per step and runs at a few hundred thousand transitions a second. This form allocates
/// nothing per step. It is held to the record form by <see cref="PackedEquivalence"/>: on every reachable state of the
/// committed CI bounds, for every profile and every operation, both must produce the same next state and ghost
/// targets (tests/ClaimVerified.Tests/Reference/PackedSpecTests.cs), and every counterexample the packed engine
/// finds is replayed through the record form before it is reported. Only the result's success matters here (error
/// numbers are the record form's business); a refused operation must leave the row untouched.
/// </remarks>
[SkipRewriting(SequentialOnly.Reason)]
public sealed partial class PackedSpec
{
    private readonly PackedLayout layout;
    private readonly PackedOp[] ops;
    private readonly Flags profile;
    private readonly int nodes;
    private readonly long totalPages;
    private readonly bool llcColouring;

    public PackedSpec(Profile profile, SpecBound bound, SpecAlphabet alphabet)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(bound);
        ArgumentNullException.ThrowIfNull(alphabet);
        this.profile = new Flags(profile);
        layout = new PackedLayout(bound.Nodes, bound.MaxDomains);
        nodes = bound.Nodes;
        totalPages = bound.Config.TotalPages;
        llcColouring = bound.LlcColouring;
        ops = alphabet.Operations.Select(Compile).ToArray();
    }

    public PackedLayout Layout => layout;

    /// <summary>
    /// Applies operation <paramref name="opId"/> (an id of the alphabet) to <paramref name="row"/> in place and updates
    /// the ghost claim targets. <paramref name="claimsBefore"/> is scratch space of MaxDomains + 1 integers.
    /// </summary>
    public PackedStepResult Step(Span<int> row, int opId, Span<int> claimsBefore)
    {
        ref readonly var op = ref ops[opId];
        var domainsBefore = row[layout.NextDomId];
        for (var domid = 1; domid < domainsBefore; domid++)
        {
            claimsBefore[domid] = row[layout.Domain(domid) + PackedLayout.DomClaim];
        }

        var result = Apply(row, in op);
        if (result != PackedStepResult.Unchanged)
        {
            UpdateTargets(row, in op, result, claimsBefore, domainsBefore);
        }

        return result;
    }

    /// <summary>GhostTargets.Next, on a row: a zero claim has no target; a claim staked now targets tot + claim; a trim lowers it.</summary>
    private void UpdateTargets(Span<int> row, in PackedOp op, PackedStepResult result, ReadOnlySpan<int> claimsBefore, int domainsBefore)
    {
        var domainsAfter = row[layout.NextDomId];
        for (var domid = 1; domid < domainsAfter; domid++)
        {
            var at = layout.Domain(domid);
            var claim = row[at + PackedLayout.DomClaim];
            var oldClaim = domid < domainsBefore ? claimsBefore[domid] : 0;
            if (claim == 0)
            {
                row[at + PackedLayout.DomTarget] = 0;
            }
            else if (result == PackedStepResult.Ok && op.Kind is OpKind.Claim or OpKind.ClaimSet or OpKind.ClaimSetLegacy && op.DomId == domid)
            {
                row[at + PackedLayout.DomTarget] = DomainTot(row, at) + claim;
            }
            else if (((op.Kind == OpKind.SetMax && op.DomId == domid) || op.Kind == OpKind.Offline) && claim < oldClaim)
            {
                row[at + PackedLayout.DomTarget] -= oldClaim - claim;
            }
        }
    }

    [Follows(Rules.PhysInfoRead, Rules.DomainInfoRead, Rules.DomainInfoUnknownDomain)]
    private PackedStepResult Apply(Span<int> row, in PackedOp op) => op.Kind switch
    {
        OpKind.Create => Create(row, in op),
        OpKind.SetMax => SetMax(row, in op),
        OpKind.NodeAffinity => SetAffinity(row, in op),
        OpKind.Unpause => Unpause(row, in op),
        OpKind.Claim => Claim(row, in op),
        OpKind.ClaimSet => ClaimSet(row, in op),
        OpKind.ClaimSetLegacy => ClaimSetLegacy(row, in op),
        OpKind.Populate => Allocate(row, in op, extra: false),
        OpKind.Extra => Allocate(row, in op, extra: true),
        OpKind.XenHeapAlloc => XenHeapAlloc(row, in op),
        OpKind.XenHeapFree => XenHeapFree(row, in op),
        OpKind.Decrease => Decrease(row, in op),
        OpKind.Share => Share(row, in op),
        OpKind.Offline => Offline(row, in op),
        OpKind.TmemPut => TmemPut(row, in op),
        OpKind.TmemFlush => TmemFlush(row, in op),
        OpKind.TmemFlushAll => TmemFlushAll(row, in op),
        OpKind.Kill => Kill(row, in op),
        OpKind.KillStep => KillStep(row, in op),
        OpKind.Destroy => Destroy(row, in op),
        _ => PackedStepResult.Unchanged, // Queries change nothing.
    };

    /// <summary>
    /// The specification's rules (<see cref="Specification.Rules"/>) whose return paths a method of this engine
    /// follows, named by their declarations so that the compiler holds the two forms to the same ids.
    /// </summary>
    [SkipRewriting(SequentialOnly.Reason)]
    [AttributeUsage(AttributeTargets.Method)]
    private sealed class FollowsAttribute(params string[] rules) : Attribute
    {
        public IReadOnlyList<string> Rules { get; } = rules;
    }
}
