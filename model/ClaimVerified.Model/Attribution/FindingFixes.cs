using ClaimVerified.Model.Generation;
using ClaimVerified.Model.Workloads;
using ClaimVerified.Profiles;

namespace ClaimVerified.Model.Attribution;

/// <summary>
/// How a finding was fixed, as something that can be applied: a mechanism value of the profile, and where the fix is a
/// different call (claim sets), a change of how the configuration's actors call. <see cref="Applies"/> says whether the
/// fix changes anything for a profile (a fix the profile already has cannot explain a violation). A fix that changes
/// the calls is tried only for <see cref="OnlyFor"/>, the properties its finding breaks: a different call can remove
/// any violation merely by making a build fail earlier (a per-node claim that does not fit is refused, and the build
/// never stakes the claim an offlining would have unbacked), which explains nothing. <see cref="Reaches"/> says whether
/// a configuration can ever do what the fix changes: where it cannot, the fix changes only where control is handed over,
/// and an exploration that no longer meets a rare violation with it would be an attribution by absence.
/// </summary>
public sealed record FindingFix(string Finding, string Fix, Func<Profile, bool> Applies, Func<Profile, Profile> ToProfile,
    Func<GeneratedConfig, GeneratedConfig>? ToConfig = null, IReadOnlyList<string>? OnlyFor = null, Func<GeneratedConfig, bool>? Reaches = null)
{
    /// <summary>
    /// Whether this fix may explain a violation of <paramref name="property"/> on <paramref name="profile"/>, in
    /// <paramref name="config"/> when it is known (null: in some configuration).
    /// </summary>
    public bool MayExplain(Profile profile, string property, GeneratedConfig? config = null) =>
        Applies(profile) && (OnlyFor is null || OnlyFor.Contains(property)) && (config is null || CanReach(config));

    /// <summary>Whether <paramref name="config"/> can ever do what this fix changes (a fix without <see cref="Reaches"/>: always).</summary>
    public bool CanReach(GeneratedConfig config) => Reaches is null || Reaches(config);
}

/// <summary>The table finding -> its fix, one row per finding of the manifest (a test keeps them equal).</summary>
public static partial class FindingFixes
{
    public static IReadOnlyList<FindingFix> All { get; } =
    [
        new("free-check-race", "claims exist (65c9792df6)",
            p => !p.ClaimsSupported,
            p => p with { ClaimsSupported = true, ConsumeClaimAt = ClaimConsumption.InHeapAllocation, FreeCheckFlushesTmem = false }),
        new("split-consumption-window", "the claim consumed under heap_lock with the pages (75d29d9b5e)",
            p => p.ConsumeClaimAt == ClaimConsumption.InAssignPages,
            p => p with { ConsumeClaimAt = ClaimConsumption.InHeapAllocation }),
        new("no-refcount-eats-claim", "no-refcount allocations may not use claimed memory (17294e69c4)",
            p => p.NoRefcountMayUseClaims,
            p => p with { NoRefcountMayUseClaims = false }),
        new("extra-pages-consume-claim", "extra pages counted without consuming the claim (75d29d9b5e)",
            p => p.ExtraPages == ExtraPagesMode.CountedConsumesClaim,
            p => p with { ExtraPages = ExtraPagesMode.CountedNoClaim }),
        new("claim-regrows-unbacked", "frees no longer regrow the claim (3472783c26)",
            p => p.FreesRegrowClaim,
            p => p with { FreesRegrowClaim = false }),
        new("claim-on-dying-domain-leaks", "claims refused on a dying domain (2379ca04fe, checked under the locks as in reference)",
            p => p.ClaimsSupported && p.RefuseClaimOnDying == DyingClaimCheck.None,
            p => p with { RefuseClaimOnDying = DyingClaimCheck.UnderLocks }),
        new("unlocked-dying-check", "the dying check under the locks that set is_dying (reference)",
            p => p.RefuseClaimOnDying == DyingClaimCheck.UnlockedWrapper,
            p => p with { RefuseClaimOnDying = DyingClaimCheck.UnderLocks }),
        new("offline-unbacks-claims", "offlining keeps claims backed (reference)",
            p => p.ClaimsSupported && !p.OfflineKeepsClaimsBacked && !p.OfflineRecallsClaims,
            p => p with { OfflineKeepsClaimsBacked = true }),
        new("offline-recalls-claims", "offlining refuses to unback a claim instead of recalling it (reference)",
            p => p.OfflineRecallsClaims && !p.OfflineKeepsClaimsBacked,
            p => p with { OfflineRecallsClaims = false, OfflineKeepsClaimsBacked = true }),
        new("claim-ignores-inflight-pages", "the allocation holds page_alloc_lock from its checks to assign_pages, so a claim sees every page on its way (reference)",
            p => p.ClaimsSupported && p.ConsumeClaimAt == ClaimConsumption.InHeapAllocation && !p.AllocatesInOneSection,
            // Only where the claim is consumed with the pages (75d29d9b5e): on an older profile one section would also
            // close split-consumption-window, and that finding's violations are its own fix's to explain.
            p => p.ConsumeClaimAt == ClaimConsumption.InHeapAllocation ? p with { AllocationInOneSection = true } : p),
        new("max-pages-ignores-claim", "lowering max_pages trims the claim (reference)",
            p => p.ClaimsSupported && !p.MaxPagesTrimsClaim,
            p => p with { MaxPagesTrimsClaim = true }),
        new("tmem-backed-claims-exceed-free", "tmem's freeable pages no longer count as capacity (c492e19fdd); a soft claim, which is that count, becomes hard",
            p => p.ClaimCountsTmemFreeable || p.AllocCheckCountsTmemFreeable || p.SoftClaims,
            p => p with { ClaimCountsTmemFreeable = false, AllocCheckCountsTmemFreeable = false, SoftClaims = false },
            HardClaims),
        new("global-claims-cannot-place", "claim sets: a vNUMA build claims per node (the claim-sets proposal)",
            p => p.ClaimsSupported && !p.NodeClaims,
            p => p with { NodeClaims = true },
            c => c with { Actors = [.. c.Actors.Select(a => a.Kind == ActorKind.Builder && a.NodePages is { Count: > 1 } ? a with { Style = ClaimStyle.PerNode } : a)] },
            ["guarantee"]),
        // Tried only for what the stash breaks (an extent counted nowhere: no-leak; a claim freed with the stash: the
        // guarantee). Without the stash the schedules change (one page_alloc_lock section less a populate), so an
        // exploration may miss a rare violation of another finding for a while and call it removed: the in-flight
        // claim (expiry) on a given configuration was so attributed to both fixes. And only where the host can hold an
        // extent that can be stashed: on a host of a few pages nothing ever is, and without the stash lookup a rare
        // violation of another finding was once not met again in the calibrated schedules and named this one.
        new("build-stash-escapes-accounting", "the allocator scrubs, inside the allocation's critical sections, as before 83a784a15b (reference)",
            p => p.StashesDuringBuild,
            p => p with { DeferredScrubPopulate = false },
            OnlyFor: ["no-leak", "guarantee"],
            Reaches: c => c.TotalPages >= Host.SmallestStashPages),
    ];

    /// <summary>
    /// The soft claims of a configuration staked as hard ones: where the tmem fix takes soft claims away, the same
    /// claim must still be staked, or the fix would remove a violation merely by making the claim's call fail.
    /// </summary>
    private static GeneratedConfig HardClaims(GeneratedConfig config) => config with
    {
        Actors = [.. config.Actors.Select(a => a with
        {
            Style = a.Style == ClaimStyle.Soft ? ClaimStyle.Legacy : a.Style,
            Calls = a.Calls is null ? null : [.. a.Calls.Select(call => SoftClaim().Replace(call, "$1"))],
        })],
    };

    [System.Text.RegularExpressions.GeneratedRegex(@"^(claim \S+ \d+) soft\b")]
    private static partial System.Text.RegularExpressions.Regex SoftClaim();

    public static FindingFix? Get(string finding) => All.FirstOrDefault(f => f.Finding == finding);

    /// <summary><paramref name="profile"/> with every one of <paramref name="fixes"/> applied, in order.</summary>
    public static Profile Apply(Profile profile, IEnumerable<FindingFix> fixes) => fixes.Aggregate(profile, (p, f) => f.ToProfile(p));

    /// <summary><paramref name="config"/> with the call changes of <paramref name="fixes"/> applied, in order.</summary>
    public static GeneratedConfig Apply(GeneratedConfig config, IEnumerable<FindingFix> fixes) =>
        fixes.Aggregate(config, (c, f) => f.ToConfig?.Invoke(c) ?? c);
}
