namespace ClaimVerified.Profiles;

/// <summary>
/// The named profiles. Each reproduces one design exactly: its checks, their order and its critical sections.
/// The commits are Xen's (xen-project/xen); the table in README.md and docs/xen-notes.md explain each choice.
/// </summary>
public static class Catalogue
{
    /// <summary>Before Xen 4.3: no claims. The toolstack reads free memory, then populates in batches.</summary>
    public static readonly Profile NoClaims = new()
    {
        Name = "no-claims",
        Summary = "before Xen 4.3: no claim call; the toolstack checks free memory, then populates",
        ClaimsSupported = false,
        ConsumeClaimAt = ClaimConsumption.None,
        Tmem = true,
        TmemPrivateFreeList = true, // RELEASE-4.2.0 already has the private list and the scarcity gate.
        FreeCheckFlushesTmem = true, // xend, the default toolstack of 4.2 (balloon.free).
        MaxMemTruncates = true,
        NodeAffinity = NodeAffinityDomctl.None, // XEN_DOMCTL_setnodeaffinity came in 4.3 (b5b79a12c4).
    };

    /// <summary>
    /// The 2012 proposal as written ("Proposed new memory capacity claim hypercall/feature", xen-devel, 2012): an absolute target (tot_claimed_pages) whose outstanding part is
    /// target - tot_phys_pages, so it grows back whenever tot_pages drops; an atomic claim that replaces an earlier
    /// one; hard claims (only free pages) and soft claims (tmem's ephemeral pages count as capacity); a dying
    /// domain's claim released by the hypervisor. What the seed leaves open we decide: the claim is consumed in the
    /// same critical section as the allocation ("atomically"), a claim on a dying domain is refused under the lock,
    /// and no-refcount allocations never use claimed memory.
    /// </summary>
    public static readonly Profile Seed2012 = new()
    {
        Name = "seed-2012",
        Summary = "the 2012 proposal: absolute targets, hard and soft claims, claim replaces claim",
        SecondClaimReplaces = true,
        SoftClaims = true,
        Tmem = true,
        TmemPrivateFreeList = true, // The proposal changes claims, not tmem: it runs on 4.2's tmem as it was.
        AllocCheckCountsTmemFreeable = true,
        ConsumeClaimAt = ClaimConsumption.InHeapAllocation,
        FreesRegrowClaim = true,
        RefuseClaimOnDying = DyingClaimCheck.UnderLocks,
        ExtraPages = ExtraPagesMode.NotCounted,
        ClaimAvailWraps = false,
        MaxMemTruncates = true, // The Xen of 2012: max_mem truncated until 017e667c43 (4.6).
        NodeAffinity = NodeAffinityDomctl.None, // 4.2's: no XEN_DOMCTL_setnodeaffinity (b5b79a12c4 is 4.3).
    };

    /// <summary>Xen 4.3: the first claims (65c9792df6).</summary>
    public static readonly Profile Xen43 = new()
    {
        Name = "xen-4.3",
        Summary = "first claims (65c9792df6): tmem counts, claim consumed in assign_pages, frees regrow it",
        Tmem = true,
        TmemPrivateFreeList = true,
        FreeCheckFlushesTmem = true, // xend still ships in 4.3 (removed in 4.5); its builds never claim.
        ClaimCountsTmemFreeable = true,
        AllocCheckCountsTmemFreeable = true,
        NoRefcountMayUseClaims = true,
        ConsumeClaimAt = ClaimConsumption.InAssignPages,
        FreesRegrowClaim = true,
        MaxMemTruncates = true,
        NodeAffinity = NodeAffinityDomctl.RefusesEmpty, // b5b79a12c4
    };

    /// <summary>Xen 4.6: no-refcount allocations may no longer use claimed memory (17294e69c4).</summary>
    public static readonly Profile Xen46 = Xen43 with
    {
        Name = "xen-4.6",
        Summary = "no-refcount allocations may no longer use claimed memory (17294e69c4)",
        NoRefcountMayUseClaims = false,
        MaxMemTruncates = false, // 017e667c43: a too-large request saturates at max_pages' maximum.
        FreeCheckFlushesTmem = false, // xend was removed in 4.5; xl never flushes tmem.
    };

    /// <summary>Xen 4.13: tmem removed from the hypervisor and from the claim maths (c492e19fdd).</summary>
    public static readonly Profile Xen413 = Xen46 with
    {
        Name = "xen-4.13",
        Summary = "tmem removed from the claim maths (c492e19fdd); owned no-refcount allocations refused (d13e07df79)",
        Tmem = false,
        TmemPrivateFreeList = false,
        ExtraPages = ExtraPagesMode.Refused,
        GuestNodeRequestsFiltered = true, // 2fece35303 (4.10)
        NodeAffinity = NodeAffinityDomctl.RefusesDisjoint, // 1ae0db5e48 (4.13)
        ClaimCountsTmemFreeable = false,
        AllocCheckCountsTmemFreeable = false,
    };

    /// <summary>
    /// Xen 4.21.0: claims count domain_tot_pages() without extra pages (37663f36df, 4.14) and negative adjustments no
    /// longer grow the claim (3472783c26).
    /// </summary>
    public static readonly Profile Xen4210 = Xen413 with
    {
        Name = "xen-4.21.0",
        Summary = "extra pages excluded (37663f36df); frees no longer regrow the claim (3472783c26)",
        ExtraPages = ExtraPagesMode.CountedConsumesClaim,
        ExtraPagesHaveACaller = true, // ioreq and vLAPIC pages, 0a393d881f and ea3daabff5 (4.14)
        FreesRegrowClaim = false,
        AssignPagesRefusesTotAboveMax = true,
    };

    /// <summary>
    /// Xen 4.21.1 (also 4.20.3 and 4.19.5, tagged 2026-03-26): the claim fixes backported to the stable branches: dying
    /// domains refused in the wrapper (2379ca04fe), the claim consumed inside the heap_lock section (75d29d9b5e), claims
    /// refused with LLC colouring (b068cafc73; 4.19 has no LLC colouring). The deferred-scrub populate (83a784a15b) was
    /// backported too and reverted before these tags (73f4c7aab7 on stable-4.21): it is 4.22's alone.
    /// </summary>
    public static readonly Profile Xen4211 = Xen4210 with
    {
        Name = "xen-4.21.1",
        Summary = "the backports (also 4.20.3, 4.19.5): dying check in the wrapper (2379ca04fe); claim consumed under heap_lock (75d29d9b5e)",
        ConsumeClaimAt = ClaimConsumption.InHeapAllocation,
        ExtraPages = ExtraPagesMode.CountedNoClaim,
        RefuseClaimOnDying = DyingClaimCheck.UnlockedWrapper,
        ClaimsRefusedWithLlcColouring = true,
    };

    /// <summary>
    /// Xen 4.22.0 and master: the claim paths of 4.21.1, plus what only 4.22 has: the populate during the build that
    /// allocates unassigned pages, scrubs them preemptibly and stashes them in d->pending_scrub (83a784a15b,
    /// 009401506e, 3652268543), libxc no longer hiding ENOSYS (7672602df6) and page counts as unsigned long
    /// (48054287a8). Of these the claims see the deferred-scrub populate (<see cref="Profile.DeferredScrubPopulate"/>).
    /// </summary>
    public static readonly Profile Xen422 = Xen4211 with
    {
        Name = "xen-4.22",
        Summary = "4.22.0 and master: 4.21.1's claim paths, and the build's populate stashes a preempted extent unassigned (83a784a15b)",
        DeferredScrubPopulate = true,
    };

    /// <summary>
    /// The NUMA claim-sets proposal (v7, May 2026, not merged), on top of master: XEN_DOMCTL_claim_memory installs
    /// per-node and global claims atomically, under the domctl lock; dying domains get ESRCH.
    /// </summary>
    public static readonly Profile ClaimSets = Xen422 with
    {
        Name = "claim-sets",
        Summary = "NUMA proposal v7: per-node and global claims installed atomically by a domctl; offlining recalls claims",
        NodeClaims = true,
        OfflineRecallsClaims = true,
    };

    /// <summary>
    /// Our recommended design: the claim-sets proposal (so that a claim can promise placement, not only capacity) on
    /// Xen 4.22, with every finding of the model fixed: the dying check under the locks that stake the claim, claim
    /// arithmetic that cannot wrap, offlining that never unbacks a claim, max_pages that trims the claim, and an
    /// allocation check that lets a domain combine its claim with unclaimed memory. It scrubs in the allocator, inside
    /// the allocation's one critical section, as Xen did before 4.22: 4.22's stash keeps an extent outside every
    /// counter across hypercalls, with its claim consumed, and frees it as unclaimed memory when another populate or an
    /// unpause finds it (the findings stash-trashed-claim-lost and stash-taken-after-start-uncounted); a stash that
    /// kept its claim would need the claim back under heap_lock wherever the stash is freed. See README.md, "reference".
    /// </summary>
    public static readonly Profile Reference = ClaimSets with
    {
        Name = "reference",
        Summary = "claim-sets on xen-4.22 with every finding fixed (dying check under locks, no wrap, offline, max_pages)",
        RefuseClaimOnDying = DyingClaimCheck.UnderLocks,
        ClaimAvailWraps = false,
        OfflineKeepsClaimsBacked = true,
        MaxPagesTrimsClaim = true,
        AllocMayCombineClaimAndUnclaimed = true,
        OneCriticalSectionPerOperation = true,
        DeferredScrubPopulate = false,
    };

    /// <summary>Every profile, in history order.</summary>
    public static IReadOnlyList<Profile> All { get; } =
        [NoClaims, Seed2012, Xen43, Xen46, Xen413, Xen4210, Xen4211, Xen422, ClaimSets, Reference];

    /// <summary>Finds a profile by name; the exception lists the names that exist.</summary>
    public static Profile Get(string name) =>
        TryGet(name, out var profile)
            ? profile
            : throw new ArgumentException(
                $"unknown profile '{name}'; the profiles are: {string.Join(", ", All.Select(p => p.Name))}", nameof(name));

    public static bool TryGet(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Profile? profile)
    {
        profile = All.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));
        return profile is not null;
    }
}
