using ClaimVerified.Profiles;

namespace ClaimVerified.Specification.Properties;

/// <summary>
/// The model's properties judged on a state of the sequential specification: the state is turned into the
/// <see cref="HostSnapshot"/> the core's audit would produce, and the very same property objects judge it (so the spec
/// and the core are held to one definition). Expiry needs the claim's target, which is ghost state in the core, not
/// Xen state: <see cref="GhostTargets"/> keeps it for the specification the way the core does.
/// </summary>
public static class SpecProperties
{
    /// <summary>The properties judged on every state: the catalogue's <see cref="PropertyCatalogue.OnStates"/>.</summary>
    public static IReadOnlyList<StateProperty> All => PropertyCatalogue.OnStates;

    /// <summary>Their ids, in the order a report lists them.</summary>
    public static IReadOnlyList<string> Ids { get; } = [.. All.Select(p => p.Id)];

    /// <summary>What the core's audit would show for this state. <paramref name="targets"/>[domid] is the ghost claim target.</summary>
    public static HostSnapshot ToSnapshot(Profile profile, SpecState state, IReadOnlyList<long>? targets = null)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(state);
        var domains = state.Domains.Values.Select(d => new DomainSnapshot(
            d.Id, d.State, d.Tot, d.Extra, Spec.DomainTot(profile, d),
            profile.TotIncludesExtraPages ? d.Tot : d.Tot + d.Extra,
            d.Max, d.Claim, d.NodeClaims.Values.ToArray(),
            targets is not null && d.Id < targets.Count ? targets[d.Id] : 0,
            d.TmemEphemeral.Sum, d.TmemPersistent, PagesInFlight: 0, KillStarted: d.State != DomainState.Alive, d.LastAllocNode, d.NodeAffinity,
            d.Started)).ToArray();
        return new HostSnapshot(profile.Name, state.Config.TotalPages, state.TotalFree, state.Free.Values.ToArray(),
            state.Outstanding, state.NodeOutstanding.Values.ToArray(), state.XenHeap.Sum, state.Offlined, state.Shared, domains,
            state.TmemFreeList.Values.ToArray());
    }

    /// <summary>Every violated property of <paramref name="state"/>; empty when all hold.</summary>
    public static IReadOnlyList<PropertyViolation> Violations(Profile profile, SpecState state, IReadOnlyList<long>? targets) =>
        Violations(profile, ToSnapshot(profile, state, targets), known: null);

    /// <summary>
    /// Every violated property of the state <paramref name="snapshot"/> shows, skipping those <paramref name="known"/>
    /// says the caller already has (an exhaustive search keeps only the first, shallowest violation of each).
    /// </summary>
    public static IReadOnlyList<PropertyViolation> Violations(Profile profile, HostSnapshot snapshot, Func<string, bool>? known)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(snapshot);
        List<PropertyViolation>? found = null;
        foreach (var property in All)
        {
            if (known?.Invoke(property.Id) != true && property.JudgeState(snapshot, profile) is { } violation)
            {
                (found ??= []).Add(violation);
            }
        }

        return (IReadOnlyList<PropertyViolation>?)found ?? [];
    }
}

/// <summary>
/// The claim target per domain, as the core's ghost keeps it: staking a claim sets it to domain_tot + claim; lowering
/// max_pages that trims the claim, or offlining that recalls part of it, lowers it by as much; a claim that reaches
/// zero clears it; anything else (an
/// allocation redeeming part of the claim, a free that regrows it) leaves it.
/// </summary>
public static class GhostTargets
{
    public static long[] Initial(int maxDomId) => new long[maxDomId + 1];

    /// <summary>The targets after <paramref name="op"/> took <paramref name="before"/> to <paramref name="after"/>.</summary>
    public static long[] Next(Profile profile, long[] targets, SpecState before, SpecState after, Operation op, Outcome result)
    {
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        long[]? next = null;
        foreach (var d in after.Domains.Values)
        {
            var old = d.Id < targets.Length ? targets[d.Id] : 0;
            var oldClaim = before.Domains.TryGetValue(d.Id, out var b) ? b.Claim : 0;
            long value;
            if (d.Claim == 0)
            {
                value = 0;
            }
            else if (result.IsOk && op is ClaimPages cp && cp.DomId == d.Id || result.IsOk && op is ClaimMemory cm && cm.DomId == d.Id)
            {
                value = Spec.DomainTot(profile, d) + d.Claim;
            }
            else if ((op is SetMaxPages sm && sm.DomId == d.Id || op is OfflinePage) && d.Claim < oldClaim)
            {
                value = old - (oldClaim - d.Claim);
            }
            else
            {
                value = old;
            }

            if (value != old)
            {
                next ??= Grow((long[])targets.Clone(), d.Id);
                next = Grow(next, d.Id);
                next[d.Id] = value;
            }
        }

        return next ?? targets;
    }

    private static long[] Grow(long[] array, int index) =>
        index < array.Length ? array : [.. array, .. new long[index + 1 - array.Length]];
}
