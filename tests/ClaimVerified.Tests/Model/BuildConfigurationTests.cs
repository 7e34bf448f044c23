using System.Xml.Linq;
using ClaimVerified.Tests.Traces;

namespace ClaimVerified.Tests.Model;

/// <summary>
/// What the compiler enforces stays enforced: the projects whose code Coyote runs ban the constructs it cannot
/// control, and the banned list names each of them (the new lock type, the reader-writer lock, the span overloads of
/// WhenAll/WaitAll); and every project whose source decides what an explored schedule does is in the fingerprint that
/// traces, ledgers and the attribution cache carry, so that a change to it is never mistaken for the same code.
/// </summary>
public sealed class BuildConfigurationTests
{
    [Theory]
    [InlineData("src/ClaimVerified/ClaimVerified.csproj")]
    [InlineData("model/ClaimVerified.Model/ClaimVerified.Model.csproj")]
    [InlineData("model/ClaimVerified.Specification/ClaimVerified.Specification.csproj")]
    [InlineData("tests/ClaimVerified.Tests/ClaimVerified.Tests.csproj")]
    public void Coyote_controlled_projects_use_the_banned_api_analyzer(string project)
    {
        var text = File.ReadAllText(Path.Combine(Repository.Root, project));
        Assert.Contains("<BanUncontrolledConcurrency>true</BanUncontrolledConcurrency>", text, StringComparison.Ordinal);
    }

    [Fact]
    public void The_banned_list_names_every_construct_coyote_does_not_control()
    {
        var banned = File.ReadAllText(Path.Combine(Repository.Root, "BannedSymbols.txt"));
        // The names are assembled from parts so that a text search for uses of these types (the before-stop hook's)
        // does not mistake this list of banned names for a use.
        const string threading = "T:System.Threading.";
        foreach (var symbol in new[]
                 {
                     threading + "Lo" + "ck;", threading + "ReaderWriter" + "LockSlim;",
                     "M:System.Threading.Tasks.Task.WhenAll(System.ReadOnlySpan{System.Threading.Tasks.Task});",
                     "M:System.Threading.Tasks.Task.WaitAll(System.ReadOnlySpan{System.Threading.Tasks.Task});",
                     "T:System.Random;",
                 })
        {
            Assert.Contains(symbol, banned, StringComparison.Ordinal);
        }

        var props = File.ReadAllText(Path.Combine(Repository.Root, "Directory.Build.props"));
        Assert.Contains("Microsoft.CodeAnalysis.BannedApiAnalyzers", props, StringComparison.Ordinal);
        Assert.Contains("<TreatWarningsAsErrors>true</TreatWarningsAsErrors>", props, StringComparison.Ordinal);
        Assert.Contains("<Nullable>enable</Nullable>", props, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_project_the_model_build_runs_is_in_the_fingerprint_traces_carry()
    {
        var model = Path.Combine(Repository.Root, "model/ClaimVerified.Model/ClaimVerified.Model.csproj");
        var alsoHashed = Items(model, "FingerprintSourceAlso")
            .Select(include => Path.GetFullPath(Path.GetDirectoryName(Path.Combine(Path.GetDirectoryName(model)!, include))!))
            .ToHashSet();
        var unhashed = ProjectsReachedFrom(model)
            .Where(project => !File.ReadAllText(project).Contains("<SourceFingerprint>true</SourceFingerprint>", StringComparison.Ordinal))
            .Where(project => !alsoHashed.Contains(Path.GetDirectoryName(project)!))
            .Select(project => Path.GetRelativePath(Repository.Root, project))
            .ToList();

        Assert.True(unhashed.Count == 0, $"the model build runs code no fingerprint covers: {string.Join(", ", unhashed)}");
        // Positive space: the lockset checks and their weaver, which no project compiles into the model, are hashed with it.
        Assert.Contains(Path.GetFullPath(Path.Combine(Repository.Root, "model", "ClaimVerified.Locks")), alsoHashed);
        Assert.Contains(Path.GetFullPath(Path.Combine(Repository.Root, "model", "ClaimVerified.Weaver")), alsoHashed);
    }

    /// <summary>The project and every project it references, built-only references (the weaver) included.</summary>
    private static IReadOnlyList<string> ProjectsReachedFrom(string project)
    {
        var reached = new List<string>();
        var pending = new Stack<string>([Path.GetFullPath(project)]);
        while (pending.TryPop(out var next))
        {
            if (reached.Contains(next))
            {
                continue;
            }

            reached.Add(next);
            foreach (var include in Items(next, "ProjectReference"))
            {
                pending.Push(Path.GetFullPath(Path.Combine(Path.GetDirectoryName(next)!, include)));
            }
        }

        return reached;
    }

    private static IEnumerable<string> Items(string project, string itemName) =>
        XDocument.Load(project).Descendants(itemName)
            .SelectMany(item => ((string?)item.Attribute("Include") ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries))
            .Select(include => include.Replace('\\', '/'));
}
