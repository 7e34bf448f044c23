using System.IO.Compression;
using ClaimVerified.Tests.Traces;

namespace ClaimVerified.Tests.Cli;

/// <summary>
/// The .NET way in (issue 16 §4): dotnet pack makes the library packages (the core, and the specification a .NET
/// implementation takes as its oracle) and the tool; the tool installs from a local folder into a tool path of its
/// own and explores, so the assemblies it ships are the woven and rewritten ones Coyote needs.
/// </summary>
public sealed class PackagingTests() : CliTestBase("packaging")
{
    [Fact]
    public void The_packages_are_made_and_the_installed_tool_explores()
    {
        var feed = Path.Combine(Scratch, "feed");
        foreach (var project in new[] { "src/ClaimVerified", "model/ClaimVerified.Specification", "src/ClaimVerified.Cli" })
        {
            Dotnet(Repository.Root, "pack", project, "-c", "Release", "-o", feed, "-nologo");
        }

        Assert.Equal(["ClaimVerified.0.1.0.nupkg", "ClaimVerified.Specification.0.1.0.nupkg", "claimverify.0.1.0.nupkg"],
            Directory.GetFiles(feed, "*.nupkg").Select(Path.GetFileName).Order(StringComparer.OrdinalIgnoreCase));

        // The specification's package: the oracle alone, depending on the core's package and on nothing else.
        var spec = Nuspec(Path.Combine(feed, "ClaimVerified.Specification.0.1.0.nupkg"));
        var dependencies = System.Text.RegularExpressions.Regex.Matches(spec, "<dependency id=\"([^\"]+)\" version=\"([^\"]+)\"").Select(m => $"{m.Groups[1]} {m.Groups[2]}");
        Assert.Equal(["ClaimVerified 0.1.0"], dependencies);
        // The core's package is the production build: no lockset checks woven in.
        Assert.False(References(Path.Combine(feed, "ClaimVerified.0.1.0.nupkg"), "lib/net10.0/ClaimVerified.dll", "ClaimVerified.Locks"));

        var tools = Path.Combine(Scratch, "tools");
        Dotnet(Scratch, "tool", "install", "claimverify", "--tool-path", tools, "--add-source", feed, "--version", "0.1.0");
        var (exit, output) = Run(Path.Combine(tools, "claimverify"), Scratch,
            "explore", "--profile", "reference", "--scenario", "builders-race", "--jobs", "1", "--out", Path.Combine(Scratch, "out"));
        Assert.True(exit == 0, output);
        Assert.Contains("1 cells in", output, StringComparison.Ordinal);
        Assert.Contains("1 hold, 0 violate, 0 differ from the manifest", output, StringComparison.Ordinal);
    }

    private static void Dotnet(string folder, params string[] arguments)
    {
        var (exit, output) = Run("dotnet", folder, arguments);
        Assert.True(exit == 0, $"dotnet {string.Join(' ', arguments)}: {output}");
    }

    private static (int Exit, string Output) Run(string program, string folder, params string[] arguments)
    {
        var result = ChildProcess.Run(program, arguments, TimeSpan.FromMinutes(10), folder,
            new Dictionary<string, string?> { ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1", ["DOTNET_NOLOGO"] = "1" });
        return (result.ExitCode, result.Output);
    }

    private static string Nuspec(string package)
    {
        using var zip = ZipFile.OpenRead(package);
        using var reader = new StreamReader(zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open());
        return reader.ReadToEnd();
    }

    private static bool References(string package, string entry, string assembly)
    {
        using var zip = ZipFile.OpenRead(package);
        using var stream = new MemoryStream();
        zip.GetEntry(entry)!.Open().CopyTo(stream);
        stream.Position = 0;
        using var module = Mono.Cecil.ModuleDefinition.ReadModule(stream);
        return module.AssemblyReferences.Any(r => r.Name == assembly);
    }
}
