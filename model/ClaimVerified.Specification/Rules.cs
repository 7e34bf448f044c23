using System.Reflection;

namespace ClaimVerified.Specification;

/// <summary>
/// Rule coverage of the specification: every return path of <see cref="Spec.Step"/> carries a rule id,
/// <c>&lt;operation&gt;.&lt;name&gt;-&lt;result&gt;</c>: the operation (<c>claim</c>, <c>alloc</c>, ...), a name for what
/// the path is (<c>exceeds-unclaimed</c>, <c>dying-under-locks</c>, ...) and the result it gives (<c>ok</c>, an errno name,
/// or <c>rc</c> when the result is passed through from a helper or the profile), e.g. <c>claim.exceeds-unclaimed-ENOMEM</c>.
/// An id names the rule, not its position, so inserting a check adds an id and renames none. Each id is declared once,
/// as a constant here; the specification and the packed engine (model/ClaimVerified.Model/Exhaustive/PackedSpec*.cs)
/// refer to these constants, and <see cref="All"/> is read from them. <see cref="Spec.StepWithRules"/> reports the
/// rules one step went through (a step may pass through a helper's rule too, e.g. <c>heap.*</c>, the allocator's claim
/// check and node choice). Recording is per thread and off unless a step asks for it, so it costs nothing elsewhere.
/// </summary>
public static class Rules
{
    // ---- create: XEN_DOMCTL_createdomain + max_mem -------------------------------------------------------------

    /// <summary>The caller is not the control domain.</summary>
    public const string CreateNotPrivileged = "create.not-privileged-EPERM";

    /// <summary>A negative max_pages: a malformed call (Xen's argument is unsigned; there is no upper limit).</summary>
    public const string CreateMaxNegative = "create.max-negative-EINVAL";

    /// <summary>Every domid below DOMID_FIRST_RESERVED is taken.</summary>
    public const string CreateDomIdsExhausted = "create.domids-exhausted-ENOMEM";

    /// <summary>The domain exists, alive, with no page and no claim.</summary>
    public const string CreateCreated = "create.created-ok";

    // ---- unpause: XEN_DOMCTL_unpausedomain -----------------------------------------------------------------------------

    /// <summary>The caller is not the control domain.</summary>
    public const string UnpauseNotPrivileged = "unpause.not-privileged-EPERM";

    /// <summary>The domain is unknown or destroyed.</summary>
    public const string UnpauseUnknownDomain = "unpause.unknown-domain-ESRCH";

    /// <summary>The one unpause was made already: the pause count would go below 0.</summary>
    public const string UnpauseAgain = "unpause.again-EINVAL";

    /// <summary>The pause count reaches 0 and creation finishes (4.22: populate_physmap stops stashing).</summary>
    public const string UnpauseStarted = "unpause.started-ok";

    // ---- maxmem: XEN_DOMCTL_max_mem ------------------------------------------------------------------------------

    /// <summary>The caller is not the control domain.</summary>
    public const string MaxMemNotPrivileged = "maxmem.not-privileged-EPERM";

    /// <summary>A negative max_pages: a malformed call (do_domctl accepts any unsigned value, 017e667c43 saturates it).</summary>
    public const string MaxMemNegative = "maxmem.max-negative-EINVAL";

    /// <summary>The domain is unknown or destroyed.</summary>
    public const string MaxMemUnknownDomain = "maxmem.unknown-domain-ESRCH";

    /// <summary>max_pages is set (MaxPagesTrimsClaim: the claim gives back what exceeds it).</summary>
    public const string MaxMemSet = "maxmem.set-ok";

    // ---- node-affinity: XEN_DOMCTL_setnodeaffinity -----------------------------------------------------------------

    /// <summary>The caller is not the control domain.</summary>
    public const string NodeAffinityNotPrivileged = "node-affinity.not-privileged-EPERM";

    /// <summary>No such domctl before b5b79a12c4 (Xen 4.3).</summary>
    public const string NodeAffinityUnsupported = "node-affinity.unsupported-ENOSYS";

    /// <summary>The domain is unknown or destroyed.</summary>
    public const string NodeAffinityUnknownDomain = "node-affinity.unknown-domain-ESRCH";

    /// <summary>An empty set (4.3 to 4.12), or one with no node of the host (1ae0db5e48, 4.13).</summary>
    public const string NodeAffinityRefused = "node-affinity.no-node-EINVAL";

    /// <summary>The affinity is set (the full set: reset to automatic, every node).</summary>
    public const string NodeAffinitySet = "node-affinity.set-ok";

    // ---- kill: domain_kill ---------------------------------------------------------------------------------------

    /// <summary>The caller is not the control domain.</summary>
    public const string KillNotPrivileged = "kill.not-privileged-EPERM";

    /// <summary>The domain is unknown or destroyed.</summary>
    public const string KillUnknownDomain = "kill.unknown-domain-ESRCH";

    /// <summary>The domain is already dead: nothing happens (a claim staked after the kill stays).</summary>
    public const string KillAlreadyDead = "kill.already-dead-ok";

    /// <summary>
    /// Dying, claim released, tmem's ephemeral pages to tmem's free list (TmemPrivateFreeList) or else the heap, every
    /// page back to the heap, dead.
    /// </summary>
    public const string KillKilled = "kill.killed-ok";

    /// <summary>
    /// The domain is dying, its kill begun by another caller's continuations: the rest of its pages go back to the heap
    /// (a claim staked meanwhile regrows under FreesRegrowClaim and stays), dead.
    /// </summary>
    public const string KillFinished = "kill.finished-ok";

    // ---- kill-step: one continuation of domain_kill (XEN_DOMCTL_destroydomain, -ERESTART until done) ------------

    /// <summary>The caller is not the control domain.</summary>
    public const string KillStepNotPrivileged = "kill-step.not-privileged-EPERM";

    /// <summary>The domain is unknown or destroyed.</summary>
    public const string KillStepUnknownDomain = "kill-step.unknown-domain-ESRCH";

    /// <summary>The first continuation: dying, claim released, tmem's pools gone (as in a kill); more to do.</summary>
    public const string KillStepBegun = "kill-step.begun-ERESTART";

    /// <summary>
    /// A chunk of the dying domain's pages (at most Host.RelinquishChunkPages, extra pages first, from the highest
    /// node) goes back to the heap; refcounted pages regrow a claim staked meanwhile (FreesRegrowClaim); more to do.
    /// </summary>
    public const string KillStepRelinquished = "kill-step.relinquished-ERESTART";

    /// <summary>Nothing is left: the domain is dead (or already was).</summary>
    public const string KillStepDead = "kill-step.dead-ok";

    // ---- destroy: the last reference goes --------------------------------------------------------------------------

    /// <summary>The kill was refused; its result is passed through.</summary>
    public const string DestroyKillRefused = "destroy.kill-refused-rc";

    /// <summary>Killed, then destroyed: the domid no longer resolves (a leaked claim stays counted).</summary>
    public const string DestroyDestroyed = "destroy.destroyed-ok";

    // ---- claim: XENMEM_claim_pages, the wrapper then domain_set_outstanding_pages --------------------------------

    /// <summary>The profile has no claims (before 65c9792df6): an unknown memory op, ENOSYS.</summary>
    public const string ClaimUnsupported = "claim.unsupported-ENOSYS";

    /// <summary>LLC colouring is on and the profile refuses claims with it (b068cafc73).</summary>
    public const string ClaimLlcColouring = "claim.llc-colouring-EOPNOTSUPP";

    /// <summary>A negative target, or a soft claim where the profile has none (the wrapper's shape checks).</summary>
    public const string ClaimBadArguments = "claim.bad-arguments-EINVAL";

    /// <summary>The domain is unknown or destroyed; the profile's ClaimUnknownDomainErrno (Xen: EINVAL).</summary>
    public const string ClaimUnknownDomain = "claim.unknown-domain-rc";

    /// <summary>The caller is not the control domain (xsm_claim_pages, after the domain lookup).</summary>
    public const string ClaimNotPrivileged = "claim.not-privileged-EPERM";

    /// <summary>The wrapper reads is_dying without a lock (2379ca04fe, DyingClaimCheck.UnlockedWrapper).</summary>
    public const string ClaimDyingUnlocked = "claim.dying-unlocked-EINVAL";

    /// <summary>A zero target releases the claim; it always succeeds.</summary>
    public const string ClaimReleased = "claim.released-ok";

    /// <summary>is_dying, read under the locks that stake the claim (DyingClaimCheck.UnderLocks, our reference).</summary>
    public const string ClaimDyingUnderLocks = "claim.dying-under-locks-EINVAL";

    /// <summary>The domain already has a claim and the profile allows one claim per domain.</summary>
    public const string ClaimAlreadyClaimed = "claim.already-claimed-EINVAL";

    /// <summary>The target is not above domain_tot_pages, or above max_pages.</summary>
    public const string ClaimTargetOutOfRange = "claim.target-out-of-range-EINVAL";

    /// <summary>The claim (target minus tot) exceeds the host's unclaimed pages.</summary>
    public const string ClaimExceedsUnclaimed = "claim.exceeds-unclaimed-ENOMEM";

    /// <summary>The claim is staked (replacing the domain's current one, where the profile allows it).</summary>
    public const string ClaimStaked = "claim.staked-ok";

    // ---- claimset: XEN_DOMCTL_claim_memory (NUMA claim sets) -------------------------------------------------------

    /// <summary>do_domctl finds no live domain (before XSM is asked).</summary>
    public const string ClaimSetUnknownDomain = "claimset.unknown-domain-ESRCH";

    /// <summary>XSM: the caller is not the control domain.</summary>
    public const string ClaimSetNotPrivileged = "claimset.not-privileged-EPERM";

    /// <summary>The profile has no claim sets: the domctl is unknown.</summary>
    public const string ClaimSetUnsupported = "claimset.unsupported-ENOSYS";

    /// <summary>LLC colouring is on and the profile refuses claims with it (b068cafc73).</summary>
    public const string ClaimSetLlcColouring = "claimset.llc-colouring-EOPNOTSUPP";

    /// <summary>The set has no entry.</summary>
    public const string ClaimSetEmpty = "claimset.empty-EINVAL";

    /// <summary>The set has more than MAX_NUMNODES + 1 entries.</summary>
    public const string ClaimSetTooManyEntries = "claimset.too-many-entries-E2BIG";

    /// <summary>The domain is dying (domain_kill has run under the same domctl_lock).</summary>
    public const string ClaimSetDying = "claimset.dying-domain-ESRCH";

    /// <summary>A lone LEGACY entry: XENMEM_claim_pages' rules decide (the claim.* rule it hits names the result).</summary>
    public const string ClaimSetLegacy = "claimset.legacy-rc";

    /// <summary>An entry has a negative size, which the unsigned ABI cannot carry (checked first, as v7 checks pad).</summary>
    public const string ClaimSetNegativePages = "claimset.negative-pages-EINVAL";

    /// <summary>A second global entry.</summary>
    public const string ClaimSetSecondGlobal = "claimset.second-global-EINVAL";

    /// <summary>A node that is not online or is beyond MAX_NUMNODES (a LEGACY target among others lands here too).</summary>
    public const string ClaimSetUnknownNode = "claimset.unknown-node-ENOENT";

    /// <summary>A node named twice.</summary>
    public const string ClaimSetDuplicateNode = "claimset.duplicate-node-EINVAL";

    /// <summary>An entry exceeds its node's unclaimed pages plus this domain's own claim there.</summary>
    public const string ClaimSetExceedsNodeFree = "claimset.exceeds-node-free-ENOMEM";

    /// <summary>tot plus the set's total exceeds max_pages (checked after every entry).</summary>
    public const string ClaimSetOverMaxPages = "claimset.over-max-pages-EINVAL";

    /// <summary>The set's total exceeds the host's unclaimed pages plus this domain's current claims.</summary>
    public const string ClaimSetExceedsHostFree = "claimset.exceeds-host-free-ENOMEM";

    /// <summary>An all-zero set passed the checks: the domain's claims are released.</summary>
    public const string ClaimSetReleased = "claimset.released-ok";

    /// <summary>The set is installed, replacing the domain's current claims.</summary>
    public const string ClaimSetInstalled = "claimset.installed-ok";

    // ---- heap: alloc_heap_pages under heap_lock (reached through alloc, xen-alloc and tmem-put) ---------------------

    /// <summary>Claims exceed the free pages and the requester's own claim does not cover the request.</summary>
    public const string HeapClaimsExceedFree = "heap.claims-exceed-free-ENOMEM";

    /// <summary>A node's free list has the pages (with claim sets: its unclaimed pages plus the requester's claim there).</summary>
    public const string HeapFromNode = "heap.from-node-ok";

    /// <summary>Tmem without a private list: no free page anywhere, so tmem gives up an ephemeral page instead.</summary>
    public const string HeapFromTmemEphemeral = "heap.from-tmem-ephemeral-ok";

    /// <summary>
    /// The scarcity gate (TmemPrivateFreeList: free pages at or below midsize_alloc_zone_pages, tmem has freeable
    /// pages), before the buddy search: an order-0 request gets tmem's free-list page, or else an evicted ephemeral one.
    /// </summary>
    public const string HeapScarcityGateRelinquished = "heap.scarcity-gate-relinquished-ok";

    /// <summary>The scarcity gate for a request above order 0: tmem gives nothing and the free lists are not searched.</summary>
    public const string HeapScarcityGateOrderAboveZero = "heap.scarcity-gate-above-order-zero-ENOMEM";

    /// <summary>No node that may be used fits the request.</summary>
    public const string HeapNoNodeFits = "heap.no-node-fits-ENOMEM";

    // ---- alloc: alloc_domheap_pages for a domain (populate, extra), then assign_pages -------------------------------

    /// <summary>An order other than 0, 9 or 18, or an unknown node.</summary>
    public const string AllocBadOrderOrNode = "alloc.bad-order-or-node-EINVAL";

    /// <summary>
    /// A guest asks for an exact node (GuestNodeRequestsFiltered, 2fece35303: propagate_node): nothing is populated
    /// (Xen returns 0 extents done). A guest's node without exact is ignored and the allocation goes on.
    /// </summary>
    public const string AllocGuestExactNode = "alloc.guest-exact-node-EINVAL";

    /// <summary>The domain is unknown or destroyed.</summary>
    public const string AllocUnknownDomain = "alloc.unknown-domain-ESRCH";

    /// <summary>The caller may not act on the domain (or, for extra pages, is not the control domain).</summary>
    public const string AllocNotPermitted = "alloc.not-permitted-EPERM";

    /// <summary>The profile refuses extra pages.</summary>
    public const string AllocExtraRefused = "alloc.extra-refused-ENOMEM";

    /// <summary>The heap section refused (a heap.* rule); its result is passed through.</summary>
    public const string AllocHeapRefused = "alloc.heap-refused-rc";

    /// <summary>assign_pages after the heap section: the domain is dying; the pages go back, a redeemed claim stays redeemed.</summary>
    public const string AllocAssignDying = "alloc.assign-dying-EINVAL";

    /// <summary>The extra pages are the domain's (counted in tot from 4.14, c793d13944).</summary>
    public const string AllocExtraAssigned = "alloc.extra-assigned-ok";

    /// <summary>assign_pages after the heap section: tot already above max_pages (143501861d); the pages go back.</summary>
    public const string AllocAssignTotAboveMax = "alloc.assign-tot-above-max-EPERM";

    /// <summary>assign_pages after the heap section: tot plus the request exceeds max_pages; the pages go back.</summary>
    public const string AllocAssignOverMax = "alloc.assign-over-max-E2BIG";

    /// <summary>One critical section (our reference): assign_pages' dying check, before any page is taken.</summary>
    public const string AllocAssignFirstDying = "alloc.assign-first-dying-EINVAL";

    /// <summary>One critical section: tot already above max_pages (143501861d's "inconsistent"), before any page is taken.</summary>
    public const string AllocAssignFirstTotAboveMax = "alloc.assign-first-tot-above-max-EPERM";

    /// <summary>One critical section: tot plus the request exceeds max_pages, before any page is taken.</summary>
    public const string AllocAssignFirstOverMax = "alloc.assign-first-over-max-E2BIG";

    /// <summary>The pages are the domain's, and the claim redeemed where the profile redeems it.</summary>
    public const string AllocAssigned = "alloc.assigned-ok";

    // ---- xen-alloc, xen-free: Xen's own heap -----------------------------------------------------------------------

    /// <summary>An order other than 0, 9 or 18, or an unknown node.</summary>
    public const string XenAllocBadOrderOrNode = "xen-alloc.bad-order-or-node-EINVAL";

    /// <summary>The caller is not Xen.</summary>
    public const string XenAllocNotXen = "xen-alloc.not-xen-EPERM";

    /// <summary>The heap section refused (a heap.* rule); its result is passed through.</summary>
    public const string XenAllocHeapRefused = "xen-alloc.heap-refused-rc";

    /// <summary>The pages are Xen's.</summary>
    public const string XenAllocAllocated = "xen-alloc.allocated-ok";

    /// <summary>The caller is not Xen.</summary>
    public const string XenFreeNotXen = "xen-free.not-xen-EPERM";

    /// <summary>No page, or more pages than Xen's heap holds.</summary>
    public const string XenFreeBadCount = "xen-free.bad-count-EINVAL";

    /// <summary>The pages are free again, highest node first.</summary>
    public const string XenFreeFreed = "xen-free.freed-ok";

    // ---- decrease: XENMEM_decrease_reservation -------------------------------------------------------------------

    /// <summary>An order other than 0, 9 or 18.</summary>
    public const string DecreaseBadOrder = "decrease.bad-order-EINVAL";

    /// <summary>The domain is unknown or destroyed.</summary>
    public const string DecreaseUnknownDomain = "decrease.unknown-domain-ESRCH";

    /// <summary>The caller may not act on the domain.</summary>
    public const string DecreaseNotPermitted = "decrease.not-permitted-EPERM";

    /// <summary>The domain is not alive, or has fewer refcounted pages (outside tmem's persistent ones) than the extent.</summary>
    public const string DecreaseDyingOrTooFewPages = "decrease.dying-or-too-few-pages-EINVAL";

    /// <summary>The pages are free again (before 3472783c26 regrowing a non-zero claim).</summary>
    public const string DecreaseFreed = "decrease.freed-ok";

    // ---- share: page sharing -----------------------------------------------------------------------------------------

    /// <summary>The domain is unknown or destroyed.</summary>
    public const string ShareUnknownDomain = "share.unknown-domain-ESRCH";

    /// <summary>The caller is not the control domain.</summary>
    public const string ShareNotPrivileged = "share.not-privileged-EPERM";

    /// <summary>The domain is not alive, or has no refcounted page outside tmem's persistent ones.</summary>
    public const string ShareDyingOrNoPage = "share.dying-or-no-page-EINVAL";

    /// <summary>A page moves to the shared owner; nothing reaches the heap.</summary>
    public const string ShareShared = "share.shared-ok";

    // ---- offline: offline_page --------------------------------------------------------------------------------------

    /// <summary>An unknown node.</summary>
    public const string OfflineBadNode = "offline.bad-node-EINVAL";

    /// <summary>The caller is not privileged.</summary>
    public const string OfflineNotPrivileged = "offline.not-privileged-EPERM";

    /// <summary>The node has no free page.</summary>
    public const string OfflineNoFreePage = "offline.no-free-page-EBUSY";

    /// <summary>OfflineKeepsClaimsBacked: the page would leave the host's or the node's claims unbacked.</summary>
    public const string OfflineWouldUnbackClaims = "offline.would-unback-claims-EBUSY";

    /// <summary>A free page is offlined.</summary>
    public const string OfflineOfflined = "offline.offlined-ok";

    /// <summary>OfflineRecallsClaims: a free page is offlined and claims are recalled until they are backed again.</summary>
    public const string OfflineRecalledClaims = "offline.offlined-recalling-claims-ok";

    // ---- tmem-put, tmem-flush: transcendent memory (Xen up to 4.12) ------------------------------------------------

    /// <summary>No tmem, an unknown domain, or a caller that may not act on it; the gate's result.</summary>
    public const string TmemPutRefused = "tmem-put.refused-rc";

    /// <summary>A persistent put is a populate of one page; the populate's refusal is passed through.</summary>
    public const string TmemPutPersistentPopulateRefused = "tmem-put.persistent-populate-refused-rc";

    /// <summary>The populated page is counted as tmem's persistent page.</summary>
    public const string TmemPutPersistent = "tmem-put.persistent-ok";

    /// <summary>An ephemeral put for a domain that is not alive.</summary>
    public const string TmemPutEphemeralDying = "tmem-put.ephemeral-dying-EINVAL";

    /// <summary>The anonymous heap allocation refused (a heap.* rule); its result is passed through.</summary>
    public const string TmemPutEphemeralHeapRefused = "tmem-put.ephemeral-heap-refused-rc";

    /// <summary>An anonymous page (never claimed memory) joins the domain's ephemeral pool.</summary>
    public const string TmemPutEphemeral = "tmem-put.ephemeral-ok";

    /// <summary>tmem's free list has a page (TmemPrivateFreeList): it joins the pool; the heap is not asked.</summary>
    public const string TmemPutEphemeralFromFreeList = "tmem-put.ephemeral-from-free-list-ok";

    /// <summary>No tmem, an unknown domain, or a caller that may not act on it; the gate's result.</summary>
    public const string TmemFlushRefused = "tmem-flush.refused-rc";

    /// <summary>No persistent page, or the domain is not alive.</summary>
    public const string TmemFlushPersistentNone = "tmem-flush.persistent-none-or-dying-EINVAL";

    /// <summary>A persistent page is freed like an owned page (tot drops, maybe regrowing the claim).</summary>
    public const string TmemFlushPersistent = "tmem-flush.persistent-ok";

    /// <summary>The domain's ephemeral pool is empty.</summary>
    public const string TmemFlushEphemeralNone = "tmem-flush.ephemeral-none-EINVAL";

    /// <summary>Tmem without a private list: an ephemeral page goes back to the heap, lowest node first.</summary>
    public const string TmemFlushEphemeral = "tmem-flush.ephemeral-ok";

    /// <summary>An ephemeral page goes to tmem's free list (TmemPrivateFreeList), lowest node first: freeable, not free.</summary>
    public const string TmemFlushEphemeralToFreeList = "tmem-flush.ephemeral-to-free-list-ok";

    // ---- tmem-flush-all: TMEMC_FLUSH / XEN_SYSCTL_TMEM_OP_FLUSH --------------------------------------------------------

    /// <summary>No private list (no tmem): EOPNOTSUPP; an unprivileged caller: EPERM.</summary>
    public const string TmemFlushAllRefused = "tmem-flush-all.refused-rc";

    /// <summary>A page count below 0 or above Host.MaxTmemFlushPages (Xen's uint32 of kB).</summary>
    public const string TmemFlushAllBadPages = "tmem-flush-all.bad-pages-EINVAL";

    /// <summary>Ephemeral pages evicted until the list holds the count (or none is left), then the whole list freed.</summary>
    public const string TmemFlushAllFlushed = "tmem-flush-all.flushed-ok";

    // ---- queries -----------------------------------------------------------------------------------------------------

    /// <summary>XEN_SYSCTL_physinfo: the host's free pages.</summary>
    public const string PhysInfoRead = "physinfo.read-ok";

    /// <summary>XEN_DOMCTL_getdomaininfo: the domain's claim.</summary>
    public const string DomainInfoRead = "domaininfo.read-ok";

    /// <summary>XEN_DOMCTL_getdomaininfo of an unknown or destroyed domain.</summary>
    public const string DomainInfoUnknownDomain = "domaininfo.unknown-domain-ESRCH";

    [ThreadStatic]
    private static List<string>? recorder;

    /// <summary>Every rule id, in declaration order: the string constants of this class.</summary>
    public static IReadOnlyList<string> All { get; } = typeof(Rules)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.IsLiteral && f.FieldType == typeof(string))
        .OrderBy(f => f.MetadataToken)
        .Select(f => (string)f.GetRawConstantValue()!)
        .ToArray();

    /// <summary>Records <paramref name="rule"/> when a step is being traced, and returns <paramref name="value"/>.</summary>
    internal static T Hit<T>(string rule, T value)
    {
        recorder?.Add(rule);
        return value;
    }

    internal static List<string>? Swap(List<string>? next)
    {
        var previous = recorder;
        recorder = next;
        return previous;
    }
}
