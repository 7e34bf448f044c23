using ClaimVerified.Tests.Traces;

namespace ClaimVerified.Tests.Model;

/// <summary>
/// What the compiler enforces stays enforced: the projects whose code Coyote runs ban the constructs it cannot
/// control, and the banned list names each of them (Lock, ReaderWriterLockSlim, the ReadOnlySpan WhenAll/WaitAll).
/// </summary>
public sealed class BuildConfigurationTests
{
    [Theory]
    [InlineData("src/ClaimVerified/ClaimVerified.csproj")]
    [InlineData("model/ClaimVerified.Model/ClaimVerified.Model.csproj")]
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
        foreach (var symbol in new[]
                 {
                     "T:System.Threading.Lock;", "T:System.Threading.ReaderWriterLockSlim;",
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
