namespace ClaimVerified.Tests.Mutants;

/// <summary>
/// The mutation-testing variants (src/ClaimVerified/Mutants.cs) exist only in the build that scripts/mutation-score.sh
/// makes with -p:ClaimVerifiedMutants=true, into out/mutants/. Every other build, the production one included, has no
/// mutant type and so no hook can be active.
/// </summary>
public sealed class MutantsAbsentTests
{
    [Fact]
    public void A_normal_build_contains_no_mutant_code()
    {
        var core = typeof(Host).Assembly;
#if CLAIMVERIFIED_MUTANTS
        // The mutation build: the hooks must be there, or every mutant would "survive" for the wrong reason.
        Assert.NotNull(core.GetType("ClaimVerified.Mutants"));
#else
        Assert.Null(core.GetType("ClaimVerified.Mutants"));
        Assert.Null(core.GetType("ClaimVerified.Mutant"));
        Assert.DoesNotContain(core.GetTypes(), t => t.Name.StartsWith("Mutant", StringComparison.Ordinal));
        Assert.DoesNotContain(typeof(Host).GetMethods(System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance),
            m => m.Name.StartsWith("Mutant", StringComparison.Ordinal));
#endif
    }
}
