using System.Diagnostics;
using System.Reflection;
using ClaimVerified.Cli;
using ClaimVerified.Model.Exhaustive;

namespace ClaimVerified.Tests.Cli;

/// <summary>
/// The commands a user copies from the README (dotnet run, dotnet test) build the Debug configuration; every assembly
/// they load must still be JIT-optimised (Directory.Build.props), or the checker and the exploration run several times
/// slower than the figures in RESULTS.md (issue 15 §2). These tests run in whatever configuration CI builds.
/// </summary>
public sealed class OptimisedBuildTests
{
    public static TheoryData<string> Assemblies() =>
    [
        typeof(Host).Assembly.GetName().Name!,
        typeof(global::ClaimVerified.Specification.Spec).Assembly.GetName().Name!,
        typeof(SpecChecker).Assembly.GetName().Name!,
        typeof(Program).Assembly.GetName().Name!,
        typeof(OptimisedBuildTests).Assembly.GetName().Name!,
    ];

    [Theory]
    [MemberData(nameof(Assemblies))]
    public void Every_assembly_the_readme_commands_load_is_optimised(string name)
    {
        var assembly = AppDomain.CurrentDomain.GetAssemblies().Single(a => a.GetName().Name == name);
        var debuggable = assembly.GetCustomAttribute<DebuggableAttribute>();
        Assert.False(debuggable?.IsJITOptimizerDisabled ?? false,
            $"{assembly.Location} ({assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration}) is built with the JIT optimiser off");
    }
}
