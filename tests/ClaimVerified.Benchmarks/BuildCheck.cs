using System.Diagnostics;
using System.Reflection;

namespace ClaimVerified.Benchmarks;

/// <summary>
/// Which ClaimVerified.dll is loaded. A copy rewritten by `dotnet coyote rewrite` references Microsoft.Coyote (every
/// lock becomes a call into Coyote's runtime); the production build references no package at all. A mutation build
/// is a core with a patch from mutants/ applied, built in a scratch worktree under out/mutants/work/ by
/// scripts/mutation-score.sh. Either would make the figures meaningless, so both refuse.
/// </summary>
public static class BuildCheck
{
    public static string DescribeProductionBuild()
    {
        var core = typeof(Host).Assembly;
        var coyote = core.GetReferencedAssemblies()
            .Where(name => name.Name is not null && name.Name.StartsWith("Microsoft.Coyote", StringComparison.Ordinal))
            .Select(name => name.Name).ToArray();
        if (coyote.Length > 0)
        {
            throw new InvalidOperationException(
                $"{core.Location} is rewritten for Coyote (it references {string.Join(", ", coyote)}): benchmarks must "
                + "load the production build from src/ClaimVerified/bin. Do not set CoyoteRewrite on this project.");
        }

        if (IsLocksetWoven(core))
        {
            throw new InvalidOperationException(
                $"{core.Location} carries the woven lockset checks (it references ClaimVerified.Locks): benchmarks must "
                + "load the production build from src/ClaimVerified/bin, which has none.");
        }

        if (IsMutationBuild(core.Location))
        {
            throw new InvalidOperationException($"{core.Location} is a mutation-testing build (a worktree of scripts/mutation-score.sh).");
        }

        var configuration = core.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "?";
        var jitOptimized = core.GetCustomAttribute<DebuggableAttribute>()?.IsJITOptimizerDisabled != true;
        return $"ClaimVerified.dll: {core.Location}\n"
            + $"  build: {configuration}, JIT optimizer {(jitOptimized ? "on" : "OFF")}, not rewritten for Coyote "
            + $"(references: {string.Join(", ", core.GetReferencedAssemblies().Select(n => n.Name))}), no mutants; "
            + $"MVID {core.ManifestModule.ModuleVersionId}\n"
            + $"  runtime: {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}, "
            + $"{Environment.ProcessorCount} logical cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}";
    }

    /// <summary>Whether the lockset checks were woven into an assembly (model builds only; see model/ClaimVerified.Weaver).</summary>
    public static bool IsLocksetWoven(Assembly assembly) =>
        assembly.GetReferencedAssemblies().Any(name => name.Name == "ClaimVerified.Locks")
        || assembly.GetCustomAttributesData().Any(a => a.AttributeType.Name == "LocksetWovenAttribute");

    /// <summary>Whether an assembly was loaded from a mutation worktree (out/mutants/work/NAME/...).</summary>
    public static bool IsMutationBuild(string location) =>
        location.Replace('\\', '/').Contains("/out/mutants/work/", StringComparison.Ordinal);
}
