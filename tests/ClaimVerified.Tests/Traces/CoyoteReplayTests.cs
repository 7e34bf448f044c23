
using ClaimVerified.Model.Traces;
using ClaimVerified.Tests.Model;
namespace ClaimVerified.Tests.Traces;

/// <summary>
/// Every committed trace also replays the other way its README shows: `dotnet coyote replay` on the model assembly,
/// with the profile in CLAIMVERIFIED_PROFILE (and a given configuration's meta.json in CLAIMVERIFIED_CONFIG),
/// reproducing the same violation message.
/// </summary>
public sealed class CoyoteReplayTests
{
    [Theory]
    [MemberData(nameof(TraceTests.TraceFolders), MemberType = typeof(TraceTests))]
    public void Dotnet_coyote_replay_reproduces_the_trace(string relativeFolder)
    {
        var folder = Path.Combine(Repository.Root, relativeFolder);
        var (meta, _, _, scenario) = TraceFolder.Load(folder);
        var traceFile = Path.Combine(folder, TraceFolder.TraceFileName(scenario));
        // A given configuration (a shrunk counterexample) is read from its meta.json, as its README says.
        var configuration = scenario.Given is null ? null : Path.Combine(folder, TraceMeta.FileName);
        var (output, _) = CoyoteCli.RunWithConfiguration(meta.Profile, configuration, "replay", CoyoteCli.ModelAssembly, traceFile,
            "-m", scenario.EntryPoint);
        Assert.True(output.Contains("Reproduced 1 bug", StringComparison.Ordinal) && output.Contains(meta.Message, StringComparison.Ordinal),
            $"dotnet coyote replay did not reproduce {relativeFolder}:\n{output}");
    }
}
