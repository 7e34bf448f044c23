#if CLAIMVERIFIED_MUTANTS
// Build-time only: this file is empty unless the build sets -p:ClaimVerifiedMutants=true (which defines
// CLAIMVERIFIED_MUTANTS and sends every output to out/mutants/). A normal build has no Mutants type and no hook, as
// tests/ClaimVerified.Tests/Mutants/MutantsAbsentTests.cs checks. scripts/mutation-score.sh builds once with the define
// and runs the test suite once per mutant, choosing it with the CLAIMVERIFIED_MUTANT environment variable.

namespace ClaimVerified;

/// <summary>
/// Deliberately wrong variants of the core, each one a mistake a careless implementation could contain. A hook in the
/// core is one line under <c>#if CLAIMVERIFIED_MUTANTS</c> that asks <see cref="Mutants.Is"/>.
/// </summary>
internal enum Mutant
{
    None,

    // ---- XENMEM_claim_pages (Hypercalls/ClaimPages.cs) ------------------------------------------------------------
    /// <summary>The privilege check is missing: a guest may stake claims.</summary>
    GuestMayClaim,
    /// <summary>Wrong order of checks: EPERM before the domain lookup (Xen looks up first, 919f59b3b9).</summary>
    PrivilegeBeforeLookup,
    /// <summary>A missing lock around a check: the reference's dying check is read before page_alloc_lock/heap_lock.</summary>
    DyingCheckOutsideLocks,
    /// <summary>A check and its update split: the availability check and the stake in two heap_lock sections.</summary>
    ClaimCheckSplitFromStake,
    /// <summary>Off by one in a bound: a claim of one page more than the unclaimed free memory passes.</summary>
    ClaimAvailOffByOne,
    /// <summary>Off by one in a bound: a target equal to the domain's pages is accepted (as a zero claim).</summary>
    ClaimAtTotAccepted,
    /// <summary>Double count: the stake adds the claim to the host total twice.</summary>
    StakeDoubleCounted,
    /// <summary>A replacing claim (seed-2012) does not release the claim it replaces from the host total.</summary>
    ReplaceKeepsOldClaim,
    /// <summary>A release clears the domain's claim but not the host's outstanding total.</summary>
    ReleaseForgetsHostTotal,

    // ---- claim consumption (Host.cs) -------------------------------------------------------------------------------
    /// <summary>A claim that never expires: allocations never consume it.</summary>
    ClaimNeverConsumed,
    /// <summary>Consumption from the wrong counter: free pages drop instead of outstanding claims.</summary>
    ConsumeFromFreeCounter,
    /// <summary>Claim sets: the node part of a claim is not consumed, only the total.</summary>
    NodeClaimNotConsumed,
    /// <summary>Frees grow the claim back although the profile says they no longer do (3472783c26 undone).</summary>
    FreeRegrowsClaim,

    // ---- allocation (Hypercalls/Populate.cs) -----------------------------------------------------------------------
    /// <summary>The allocation check ignores the requester's own claim: a claiming domain cannot use it.</summary>
    OwnClaimIgnored,
    /// <summary>No-refcount allocations may use claimed memory again (17294e69c4 undone).</summary>
    NoRefcountUsesClaim,
    /// <summary>Off by one in a bound: the allocation check uses &gt;= where Xen uses &gt;.</summary>
    AllocCheckOffByOne,
    /// <summary>A check and its update split: the claim is consumed in a second heap_lock section (75d29d9b5e undone).</summary>
    ConsumeOutsideHeapLock,
    /// <summary>Lost pages: when assign_pages refuses, the pages taken from the heap are not given back.</summary>
    FailedAssignKeepsPages,
    /// <summary>assign_pages forgets the dying check: pages are given to a domain being killed.</summary>
    AssignIgnoresDying,
    /// <summary>Off by one in a bound: assign_pages refuses to fill a domain exactly to max_pages.</summary>
    MaxBoundOffByOne,
    /// <summary>Double count: tot_pages grows twice for one allocation.</summary>
    PopulateDoubleCountsTot,

    // ---- free, lifecycle, offlining, claim sets --------------------------------------------------------------------
    /// <summary>Lost page on free: decrease_reservation returns one page fewer to the heap than it took.</summary>
    FreeLosesPage,
    /// <summary>A forgotten release on death: domain_kill does not release the claim.</summary>
    KillKeepsClaim,
    /// <summary>Wrong order: domain_kill releases the claim, then marks the domain dying; a claim can land between.</summary>
    KillReleasesBeforeDying,
    /// <summary>The reference forgets to trim the claim when max_pages is lowered.</summary>
    MaxMemNoTrim,
    /// <summary>A missing lock: XEN_DOMCTL_claim_memory checks is_dying without domctl_lock.</summary>
    ClaimMemoryWithoutDomctlLock,
    /// <summary>The reference's offlining takes a page that backs a claim.</summary>
    OfflineUnbacksClaims,
    /// <summary>Off by one in a bound: a claim set may claim one page more on a node than the node has free.</summary>
    ClaimSetNodeBoundOffByOne,
}

/// <summary>The active mutant: the one CLAIMVERIFIED_MUTANT names (by enum name), or none.</summary>
internal static class Mutants
{
    public const string EnvironmentVariable = "CLAIMVERIFIED_MUTANT";

    /// <summary>The mutant every hook asks about; settable so that a test can pin one for itself.</summary>
    public static Mutant Active { get; set; } = Parse(Environment.GetEnvironmentVariable(EnvironmentVariable));

    public static bool Is(Mutant mutant) => Active == mutant;

    private static Mutant Parse(string? name) =>
        string.IsNullOrEmpty(name) ? Mutant.None
        : Enum.TryParse<Mutant>(name, ignoreCase: false, out var mutant) ? mutant
        : throw new InvalidOperationException($"{EnvironmentVariable}={name} names no mutant; see src/ClaimVerified/Mutants.cs");
}

/// <summary>The mutants too long for a one-line hook: whole wrong versions of a path, beside the right one.</summary>
public sealed partial class Host
{
    /// <summary>
    /// ClaimCheckSplitFromStake: the decision under the locks, the stake under heap_lock taken again; otherwise the
    /// same checks as <see cref="SetOutstandingPages"/>, so that only the split can be caught.
    /// </summary>
    private Outcome MutantSetOutstandingPagesSplit(Domain d, long pages)
    {
        long claimPages;
        lock (d.PageAllocLock)
        {
            lock (heapLock)
            {
                if (pages == 0)
                {
                    ReleaseClaimLocked(d);
                    return Outcome.Ok();
                }

                // The same checks, in the same order, as SetOutstandingPages (for profiles where a claim never replaces).
                if ((Profile.RefuseClaimOnDying == ClaimVerified.Profiles.DyingClaimCheck.UnderLocks && d.IsDying) || d.OutstandingPages != 0)
                {
                    return Errno.EINVAL;
                }

                var domainTotPages = DomainTotPages(d);
                if (pages <= domainTotPages || pages > d.MaxPages)
                {
                    return Errno.EINVAL;
                }

                claimPages = pages - domainTotPages;
                var availPages = totalAvailPages + (Profile.ClaimCountsTmemFreeable ? tmemEphemeralPages : 0) - outstandingClaims;
                if (availPages < 0)
                {
                    availPages = Profile.ClaimAvailWraps ? long.MaxValue : 0;
                }

                if (claimPages > availPages)
                {
                    return Errno.ENOMEM;
                }
            }
        }

        lock (heapLock)
        {
            d.OutstandingPages = claimPages;
            d.GhostClaimTargetPages = pages;
            outstandingClaims += claimPages;
            return Outcome.Ok();
        }
    }

    /// <summary>ConsumeOutsideHeapLock: the consumption 4.22 does in section 1, done in a heap_lock section of its own.</summary>
    private void MutantConsumeLate(Domain d, int node, long request, bool noRefcount)
    {
        if (Profile.ConsumeClaimAt != ClaimVerified.Profiles.ClaimConsumption.InHeapAllocation || noRefcount)
        {
            return;
        }

        lock (heapLock)
        {
            if (d.OutstandingPages != 0)
            {
                ConsumeClaimLocked(d, node, request);
            }
        }
    }

    /// <summary>KillReleasesBeforeDying: release the claim, tear down tmem, and only then mark the domain dying.</summary>
    private bool MutantKillReleaseThenMarkDying(Domain d)
    {
        lock (d.PageAllocLock)
        {
            lock (heapLock)
            {
                ReleaseClaimLocked(d);
            }
        }

        DestroyTmemPools(d);
        d.State = DomainState.Dying;
        return false;
    }

    /// <summary>ClaimMemoryWithoutDomctlLock: the dying check and the install with no domctl_lock around them.</summary>
    private Outcome MutantClaimMemoryUnlocked(int domid, long[] nodePages, long totalClaimPages)
    {
        var d = FindDomain(domid);
        if (d is null || d.IsDying)
        {
            return Errno.ESRCH;
        }

        lock (d.PageAllocLock)
        {
            lock (heapLock)
            {
                return InstallClaimSetLocked(d, nodePages, totalClaimPages);
            }
        }
    }
}
#endif

