using ClaimVerified.Tests.Traces;

namespace ClaimVerified.Tests.Mutants;

/// <summary>
/// The mutants of scripts/mutation-score.sh are patches, mutants/&lt;Name&gt;.patch, against the clean core. The full
/// campaign is too slow for CI, so without this check a change to the core could leave a patch that no longer applies
/// (the campaign would refuse to start long after), and a deleted patch would silently shrink the score. The campaign
/// leaves this class out of its runs: in a mutant's worktree its own patch is already applied.
/// </summary>
public sealed class MutantPatchesTests
{
    /// <summary>Every mutant, by name. A new patch is added here too, so that a deleted or renamed one fails.</summary>
    public static readonly IReadOnlyList<string> Names =
    [
        // XENMEM_claim_pages (Hypercalls/ClaimPages.cs)
        "GuestMayClaim", "PrivilegeBeforeLookup", "DyingCheckOutsideLocks", "ClaimCheckSplitFromStake", "ClaimAvailOffByOne",
        "ClaimAtTotAccepted", "StakeDoubleCounted", "ReplaceKeepsOldClaim", "ReleaseForgetsHostTotal",
        // claim consumption (Host.cs)
        "ClaimNeverConsumed", "ConsumeFromFreeCounter", "NodeClaimNotConsumed", "FreeRegrowsClaim",
        // allocation (Hypercalls/Populate.cs)
        "OwnClaimIgnored", "NoRefcountUsesClaim", "AllocCheckOffByOne", "ConsumeOutsideHeapLock", "FailedAssignKeepsPages",
        "AssignIgnoresDying", "MaxBoundOffByOne", "PopulateDoubleCountsTot",
        // free, lifecycle, offlining, claim sets
        "FreeLosesPage", "KillKeepsClaim", "KillReleasesBeforeDying", "MaxMemNoTrim", "ClaimMemoryWithoutDomctlLock",
        "OfflineUnbacksClaims", "ClaimSetNodeBoundOffByOne",
        // the second fidelity pass: max_pages without an upper limit, claims before 4.3
        "MaxMemBoundedByHost", "MaxMemNeverTruncates", "ClaimBefore43NotEnosys", "ExtraPagesCalledBefore414",
        // claim-sets as v7's code has it: the offline recall, the order of the checks, the LEGACY entry
        "OfflineRecallForgetsGlobalClaims", "ClaimSetMaxPagesBeforeEntries", "ClaimSetLegacyAsNode",
        // tmem's private free list and scarcity gate (issue 11, item 4)
        "TmemGateOnlyWhenHeapEmpty",
        // a missing lock that keeps its scheduling point: only the woven lockset checks can see it
        "ClaimStakeUnderFreshLock",
        // the two blind spots: a physinfo torn across two sections, a kill that leaves the domain alive
        "PhysInfoTwoSections", "KillMarksDyingLast",
        // where an allocation lands (issue 14, item 2): last_alloc_node, exact nodes, a guest's node
        "LastAllocNodeNotRecorded", "NamedNodeAlwaysExact", "GuestNodeHonoured", "NodeAffinityIgnored",
        // 4.22's populate during the build (issue 14, item 1): the unpause's stash check, the stash's order match
        "UnpauseIgnoresStash", "StashMatchesAnyOrder",
    ];

    public static TheoryData<string> Patches() => [.. Names];

    [Fact]
    public void The_mutants_folder_holds_exactly_the_expected_patches()
    {
        Assert.Equal(45, Names.Distinct().Count());
        var found = Directory.GetFiles(MutantsFolder, "*.patch").Select(Path.GetFileNameWithoutExtension).Order(StringComparer.Ordinal);
        Assert.Equal(Names.Order(StringComparer.Ordinal), found);
    }

    [Theory]
    [MemberData(nameof(Patches))]
    public void A_patch_says_what_is_wrong_changes_only_the_core_and_applies_to_the_tree(string name)
    {
        var path = Path.Combine(MutantsFolder, name + ".patch");
        Assert.True(File.Exists(path), $"{path} is missing");
        var lines = File.ReadAllLines(path);

        // The header: comment lines before the diff (git apply ignores them); the first is the report's description.
        var header = lines.TakeWhile(l => !l.StartsWith("diff --git ", StringComparison.Ordinal)).ToArray();
        Assert.True(header.Length > 0 && header[0].StartsWith("# ", StringComparison.Ordinal) && header[0][2..].Trim().Length > 0,
            $"{name}.patch must start with '# <what is wrong, in one sentence>'");
        Assert.All(header, l => Assert.True(l.Length == 0 || l.StartsWith('#'), $"{name}.patch: '{l}' before the diff is not a comment"));

        // The diff: it mutates the core and nothing else (not a test, not the model).
        var files = lines.Where(l => l.StartsWith("--- ", StringComparison.Ordinal) || l.StartsWith("+++ ", StringComparison.Ordinal)).ToArray();
        Assert.NotEmpty(files);
        Assert.All(files, l => Assert.Matches(@"^(---|\+\+\+) [ab]/src/ClaimVerified/", l));

        var applied = Repository.Git("apply", "--check", path);
        Assert.True(applied.ExitCode == 0, $"mutants/{name}.patch no longer applies to the core; remake it (mutants/README.md):\n{applied.Output}");
    }

    private static string MutantsFolder => Path.Combine(Repository.Root, "mutants");
}
