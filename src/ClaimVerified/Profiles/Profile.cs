namespace ClaimVerified.Profiles;

/// <summary>Where an allocation for a claiming domain consumes the claim.</summary>
public enum ClaimConsumption
{
    /// <summary>Nothing to consume: the profile has no claims.</summary>
    None,

    /// <summary>
    /// Later, in <c>domain_adjust_tot_pages</c>, called by <c>assign_pages</c> under <c>page_alloc_lock</c>, which takes
    /// <c>heap_lock</c> a second time (Xen 4.3 65c9792df6 up to 4.21.0). Between the two critical sections the pages are
    /// gone from the heap while the claim still counts them: free &lt; outstanding can be observed.
    /// </summary>
    InAssignPages,

    /// <summary>In the same <c>heap_lock</c> section that takes the pages (Xen 75d29d9b5e, 4.21.1 and 4.22).</summary>
    InHeapAllocation,
}

/// <summary>What a no-refcount ("extra") allocation for a domain does to its accounting and its claim.</summary>
public enum ExtraPagesMode
{
    /// <summary>Xen 4.3 to 4.11: the pages are owned but never enter tot_pages, so no claim is consumed.</summary>
    NotCounted,

    /// <summary>Xen 4.12 and 4.13 (d13e07df79): an owned no-refcount allocation is refused outright.</summary>
    Refused,

    /// <summary>
    /// Xen 4.14 to 4.21 (c793d13944): extra_pages and tot_pages grow through domain_adjust_tot_pages, which consumes
    /// the claim even though the allocation check refused the extra pages claimed memory.
    /// </summary>
    CountedConsumesClaim,

    /// <summary>Xen 4.22 (75d29d9b5e): counted in extra_pages and tot_pages; only refcounted heap allocations consume claims.</summary>
    CountedNoClaim,
}

/// <summary>Whether XEN_DOMCTL_setnodeaffinity exists, and which node sets it refuses (domain_set_node_affinity).</summary>
public enum NodeAffinityDomctl
{
    /// <summary>Not before b5b79a12c4 (Xen 4.3): an unknown domctl, ENOSYS (arch_do_domctl's default).</summary>
    None,

    /// <summary>
    /// b5b79a12c4 (4.3) to 4.12: only an empty set is refused (EINVAL). A set of nodes that are all offline (here:
    /// beyond the host's) is stored, and alloc_heap_pages, which uses it unclamped, then finds none of them and falls
    /// back to the online nodes in id order.
    /// </summary>
    RefusesEmpty,

    /// <summary>1ae0db5e48 (4.13): a set with no online node is refused (EINVAL); get_free_buddy clamps to the online nodes.</summary>
    RefusesDisjoint,
}

/// <summary>How a claim on a dying domain is refused.</summary>
public enum DyingClaimCheck
{
    /// <summary>Not at all (Xen up to 4.21.0): a claim staked after domain_kill released it is never released.</summary>
    None,

    /// <summary>
    /// In the XENMEM_claim_pages wrapper, reading <c>is_dying</c> without any lock (Xen 2379ca04fe, 4.21.1/4.22):
    /// domain_kill can set the flag and release the claim between this read and the claim being staked.
    /// </summary>
    UnlockedWrapper,

    /// <summary>Under page_alloc_lock and heap_lock, in the same section that stakes the claim (our reference).</summary>
    UnderLocks,
}

/// <summary>
/// A semantics profile: a named set of mechanism choices. Code asks about a mechanism, never about a version number,
/// so a new design is a new record. Every choice names the Xen commit (or proposal text) it comes from; see
/// <see cref="Catalogue"/> for the named profiles.
/// </summary>
public sealed record Profile
{
    public required string Name { get; init; }

    /// <summary>One line for humans: what this profile is.</summary>
    public required string Summary { get; init; }

    /// <summary>Whether XENMEM_claim_pages exists (65c9792df6, Xen 4.3). Without it the call is EOPNOTSUPP.</summary>
    public bool ClaimsSupported { get; init; } = true;

    /// <summary>
    /// Whether a second claim replaces an outstanding one (the seed leaves this open; we let the new absolute target
    /// replace the old one atomically) instead of failing with EINVAL (Xen: "only one active claim per domain").
    /// </summary>
    public bool SecondClaimReplaces { get; init; }

    /// <summary>Whether soft claims exist: claims that may count tmem's ephemeral (free-on-demand) pages as capacity (seed).</summary>
    public bool SoftClaims { get; init; }

    /// <summary>Whether every claim counts tmem's freeable pages as available (65c9792df6 until tmem left in c492e19fdd).</summary>
    public bool ClaimCountsTmemFreeable { get; init; }

    /// <summary>Whether the allocation check counts tmem's freeable pages as available (65c9792df6 until c492e19fdd).</summary>
    public bool AllocCheckCountsTmemFreeable { get; init; }

    /// <summary>Whether tmem exists at all (Xen &lt;= 4.12; removed in c492e19fdd). Without it tmem calls are EOPNOTSUPP.</summary>
    public bool Tmem { get; init; }

    /// <summary>
    /// Whether tmem keeps the pages it frees on its own free list and gives pages back only through its flush control
    /// or one at a time behind the allocator's scarcity gate (RELEASE-4.2.0, 4.3.0, 4.6.0; docs/xen-notes.md R4):
    /// <list type="bullet">
    /// <item>an ephemeral page that is flushed, or whose pool is destroyed, goes to tmem's private list (4.3
    /// tmem_page_free -> tmh_free_page -> tmh_page_list_put in xen/include/xen/tmem_xen.h; 4.6 tmem_free_page ->
    /// __tmem_free_page -> tmem_page_list_put), not to the heap, and tmem_freeable_pages counts it (list plus
    /// pools); tmem's next ephemeral page comes from that list first (tmh_alloc_page / __tmem_alloc_page);</item>
    /// <item>the list reaches the heap through TMEMC_FLUSH (4.3 tmemc_flush_mem -> tmem_relinquish_npages ->
    /// tmh_release_avail_pages_to_host) or XEN_SYSCTL_TMEM_OP_FLUSH (4.6 tmemc_flush_mem -> tmem_flush_npages), a
    /// privileged control;</item>
    /// <item>alloc_heap_pages (page_alloc.c at each tag), after the claim check and before the buddy search: when
    /// total_avail_pages &lt;= midsize_alloc_zone_pages and tmem has freeable pages, an order-0 or order-&gt;=9
    /// request goes to tmem_relinquish_pages, which serves only order 0 (list first, then evictions) and answers
    /// NULL for any larger order, and the allocation fails without searching the free lists.</item>
    /// </list>
    /// Every profile with tmem has it (all three tags checked have it). Without it, tmem's freed ephemeral pages would
    /// go straight back to the heap and an order-0 request would take an ephemeral page only once no free page is
    /// left: the model's earlier simplification, which no Xen checked did.
    /// </summary>
    public bool TmemPrivateFreeList { get; init; }

    /// <summary>
    /// Whether the toolstack's free-memory check before a build first asks tmem to flush the shortfall: xend's
    /// balloon.free (tools/python/xen/xend/balloon.py, RELEASE-4.2.0 .. 4.4.0) calls TMEMC_FLUSH for
    /// need - (free + scrub) kB before ballooning dom0. xend never claims, and it is gone in 4.5; xl and libxl never
    /// flush tmem (4.3, 4.6 have only the Python binding's xc.tmem_control, which no toolstack path calls). The
    /// model's builder takes the free-memory check only where claims do not exist.
    /// </summary>
    public bool FreeCheckFlushesTmem { get; init; }

    /// <summary>
    /// Whether a no-refcount ("extra") allocation for a domain that holds a claim may use claimed memory
    /// (Xen 4.3; closed in 17294e69c4, Xen 4.6).
    /// </summary>
    public bool NoRefcountMayUseClaims { get; init; }

    /// <summary>Where the claim is consumed.</summary>
    public ClaimConsumption ConsumeClaimAt { get; init; } = ClaimConsumption.InHeapAllocation;

    /// <summary>
    /// Whether a drop of tot_pages (free, sharing, relinquish) grows a non-zero claim back by the same amount
    /// (the signed adjustment of domain_adjust_tot_pages, 65c9792df6; removed in 3472783c26, Xen 4.21.0).
    /// </summary>
    public bool FreesRegrowClaim { get; init; }

    /// <summary>How a claim on a dying domain is refused.</summary>
    public DyingClaimCheck RefuseClaimOnDying { get; init; } = DyingClaimCheck.None;

    /// <summary>
    /// What an owned no-refcount allocation does. From 4.14 (37663f36df, c793d13944) tot_pages includes extra pages
    /// and claims are computed on domain_tot_pages() = tot_pages - extra_pages.
    /// </summary>
    public ExtraPagesMode ExtraPages { get; init; } = ExtraPagesMode.NotCounted;

    /// <summary>
    /// Whether some code of this Xen allocates owned no-refcount ("extra") pages for a guest: the device model's ioreq
    /// pages (hvm_alloc_ioreq_mfn from the target domain with MEMF_no_refcount, 0a393d881f) and the vLAPIC page
    /// (vmx_alloc_vlapic_mapping, ea3daabff5), both first in Xen 4.14. From 4.3 to 4.13 no caller passes a domain
    /// together with MEMF_no_refcount (4.11's ioreq pages were the emulator's own, 6e387461ed; e862e6ceb1 and
    /// d13e07df79 ended that in 4.12): the allocation path exists but nothing takes it, so a workload that takes it
    /// would test a Xen that never was (docs/xen-notes.md R2).
    /// </summary>
    public bool ExtraPagesHaveACaller { get; init; }

    /// <summary>Whether tot_pages includes extra pages (37663f36df, Xen 4.14).</summary>
    public bool TotIncludesExtraPages => ExtraPages is ExtraPagesMode.CountedConsumesClaim or ExtraPagesMode.CountedNoClaim;

    /// <summary>
    /// Whether the claim check computes <c>total_avail_pages - outstanding_claims</c> in unsigned arithmetic, as every
    /// Xen version does (domain_set_outstanding_pages since 65c9792df6; unsigned long since 48054287a8): once
    /// outstanding claims exceed free pages the difference wraps and any claim up to max_pages passes. Our reference
    /// clamps the difference at zero.
    /// </summary>
    public bool ClaimAvailWraps { get; init; } = true;

    /// <summary>
    /// Whether XEN_DOMCTL_max_mem keeps only the low 32 bits of a page count too large for max_pages (an unsigned int),
    /// as do_domctl did before 017e667c43 (Xen 4.6, "domctl: don't truncate XEN_DOMCTL_max_mem requests"), instead of
    /// saturating at the type's maximum. Either way no value is refused and none is checked against host memory.
    /// </summary>
    public bool MaxMemTruncates { get; init; }

    /// <summary>Whether claims are refused with EOPNOTSUPP when LLC colouring is on (b068cafc73).</summary>
    public bool ClaimsRefusedWithLlcColouring { get; init; }

    /// <summary>
    /// Whether per-node claim sets exist (XEN_DOMCTL_claim_memory, the NUMA proposal v7, not merged; without it the
    /// domctl is unknown: ENOSYS).
    /// </summary>
    public bool NodeClaims { get; init; }

    /// <summary>
    /// Whether page offlining refuses (EBUSY) to take a free page that backs an outstanding claim (our reference).
    /// In every Xen version offline_page has no claim logic: the page leaves the heap and the claims are unbacked.
    /// </summary>
    public bool OfflineKeepsClaimsBacked { get; init; }

    /// <summary>
    /// Whether offlining a free page recalls claims until they are backed again: first the domains' claims on that
    /// node, then their global claims, each domain in domid order, each only the excess (claim-sets, bernhardkaindl/xen
    /// ebc02ab7b6 on claims-v7, reserve_offlined_page; issue 11 places it in the v7 series' patch 2/3). Xen's releases
    /// have nothing of the kind: the claims stay unbacked.
    /// </summary>
    public bool OfflineRecallsClaims { get; init; }

    /// <summary>
    /// Whether lowering max_pages trims the claim so that tot + claim &lt;= max_pages stays true (our reference).
    /// In Xen, max_pages is checked only when the claim is staked.
    /// </summary>
    public bool MaxPagesTrimsClaim { get; init; }

    /// <summary>
    /// Whether the allocation check lets a claiming domain use its claim plus unclaimed memory for a request larger
    /// than its remaining claim (our reference). Xen refuses an order-9 request from a domain with a remaining claim
    /// smaller than 512 when unclaimed memory alone cannot cover it.
    /// </summary>
    public bool AllocMayCombineClaimAndUnclaimed { get; init; }

    /// <summary>
    /// Whether assign_pages refuses a refcounted allocation with EPERM when domain_tot_pages already exceeds max_pages
    /// (an "inconsistent" domain, 143501861d, Xen 4.16); before, that case was the plain over-max E2BIG.
    /// </summary>
    public bool AssignPagesRefusesTotAboveMax { get; init; }

    /// <summary>
    /// Whether every operation does its accounting in one critical section, page_alloc_lock around heap_lock (our
    /// reference). Xen allocates in two (alloc_heap_pages, then assign_pages) and frees in two (page_alloc_lock, then
    /// heap_lock): an observer between them sees pages that are neither free nor the domain's, which no sequential
    /// order explains, and an allocation assign_pages refuses has meanwhile held memory others were refused.
    /// </summary>
    public bool OneCriticalSectionPerOperation { get; init; }

    /// <summary>
    /// Whether an allocation alone is one critical section, page_alloc_lock held from assign_pages' checks through
    /// alloc_heap_pages to assign_pages (the fix of claim-ignores-inflight-pages; our reference has it through
    /// <see cref="OneCriticalSectionPerOperation"/>). domain_set_outstanding_pages takes page_alloc_lock first, so a claim
    /// can no longer be staked while pages the heap gave a domain are on their way to its tot_pages.
    /// </summary>
    public bool AllocationInOneSection { get; init; }

    /// <summary>
    /// Whether XENMEM_populate_physmap honours a node only from the hardware or control domain (2fece35303, Xen 4.10:
    /// propagate_node in xen/common/memory.c): a guest's node is ignored, and a guest's exact-node request populates
    /// nothing. Before, any caller's node and exact flag went to the allocator (RELEASE-4.3.0 and 4.6.0
    /// populate_physmap's callers in do_memory_op).
    /// </summary>
    public bool GuestNodeRequestsFiltered { get; init; }

    /// <summary>
    /// Whether populate_physmap, before the domain's creation has finished (its first unpause), allocates each extent
    /// unassigned, scrubs it itself preemptibly and stashes a preempted extent in <c>d->pending_scrub</c> for its
    /// continuation, assigning it only once scrubbed (83a784a15b, 009401506e, 3652268543: Xen 4.22.0 and master,
    /// xen/common/memory.c populate_physmap, stash_allocation, get_stashed_allocation). The claim is consumed when the
    /// extent is allocated; a stash freed unassigned (a mismatching populate for the same domain, an occupied stash, a
    /// dying domain, an unpause with a stash, teardown) returns its pages as unclaimed memory. A profile whose allocations
    /// are one critical section (<see cref="AllocatesInOneSection"/>) cannot scrub preemptibly between taking the pages
    /// and assigning them, so there it has no effect.
    /// </summary>
    public bool DeferredScrubPopulate { get; init; }

    /// <summary>Whether the control domain can set a domain's node affinity, and what it refuses.</summary>
    public NodeAffinityDomctl NodeAffinity { get; init; } = NodeAffinityDomctl.RefusesDisjoint;

    /// <summary>
    /// Whether populate_physmap stashes during the build: <see cref="DeferredScrubPopulate"/> where allocations are not
    /// one critical section (one section holds page_alloc_lock from the checks to assign_pages, where no preemptible
    /// scrub fits, so such a design scrubs in the allocator).
    /// </summary>
    public bool StashesDuringBuild => DeferredScrubPopulate && !AllocatesInOneSection;

    /// <summary>Whether allocations run in one critical section, by themselves or with every other operation.</summary>
    public bool AllocatesInOneSection => OneCriticalSectionPerOperation || AllocationInOneSection;

    /// <summary>The result code for a claim naming a domain that does not exist (Xen's memory.c: EINVAL).</summary>
    public Errno ClaimUnknownDomainErrno { get; init; } = Errno.EINVAL;

    public override string ToString() => Name;
}
