using System.Reflection;
using ClaimVerified.Tests.Traces;

namespace ClaimVerified.Tests.Mutants;

/// <summary>
/// The core is the Xen path and nothing else: the deliberately wrong variants live only as patches under mutants/,
/// applied in a scratch worktree by scripts/mutation-score.sh. No build of this checkout can contain one, and no hook
/// for one may come back into the core.
/// </summary>
public sealed class MutantsAbsentTests
{
    [Fact]
    public void The_core_assembly_has_no_mutant_type_or_method()
    {
        var core = typeof(Host).Assembly;
        const BindingFlags everything = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static
            | BindingFlags.DeclaredOnly;
        Assert.Empty(core.GetTypes().Where(t => t.Name.StartsWith("Mutant", StringComparison.Ordinal)).Select(t => t.FullName));
        Assert.Empty(core.GetTypes().SelectMany(t => t.GetMethods(everything))
            .Where(m => m.Name.StartsWith("Mutant", StringComparison.Ordinal)).Select(m => $"{m.DeclaringType}.{m.Name}"));
    }

    [Theory]
    [InlineData("CLAIMVERIFIED_MUTANTS")]
    [InlineData("Mutants.Is")]
    public void No_source_file_of_the_core_holds_a_mutant_hook(string marker)
    {
        var src = Path.Combine(Repository.Root, "src");
        var sources = Directory.EnumerateFiles(src, "*", SearchOption.AllDirectories)
            .Where(f => !IsBuildOutput(Path.GetRelativePath(src, f)))
            .ToArray();
        Assert.NotEmpty(sources);
        var holding = sources.Where(f => File.ReadAllText(f).Contains(marker, StringComparison.Ordinal))
            .Select(f => Path.GetRelativePath(Repository.Root, f));
        Assert.Empty(holding);
    }

    /// <summary>bin/ and obj/ are build outputs (git-ignored), not sources; a stale one may predate the patches.</summary>
    private static bool IsBuildOutput(string relativePath) =>
        relativePath.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj");
}
