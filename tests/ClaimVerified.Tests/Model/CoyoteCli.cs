using ClaimVerified.Model.Scenarios;
using ClaimVerified.Tests.Traces;

namespace ClaimVerified.Tests.Model;

/// <summary>Runs the pinned `dotnet coyote` tool as the README shows, on the model's own build output.</summary>
public static class CoyoteCli
{
    /// <summary>
    /// The model's own output folder, as the README's commands use it (this test folder's deps.json is the test
    /// host's, which the coyote tool cannot load the model with).
    /// </summary>
    public static string ModelAssembly
    {
        get
        {
            var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
            var path = Path.Combine(Repository.Root, "model", "ClaimVerified.Model", "bin", configuration, "net10.0", "ClaimVerified.Model.dll");
            Assert.True(File.Exists(path), $"{path} is missing: the model project builds it");
            return path;
        }
    }

    /// <summary>`dotnet coyote ARGS` with CLAIMVERIFIED_PROFILE set; returns stdout and stderr together, and the exit code.</summary>
    public static (string Output, int ExitCode) Run(string profile, params string[] args) => RunWithConfiguration(profile, null, args);

    /// <summary>The same, with CLAIMVERIFIED_CONFIG naming <paramref name="configuration"/> when it is given.</summary>
    public static (string Output, int ExitCode) RunWithConfiguration(string profile, string? configuration, params string[] args)
    {
        var environment = new Dictionary<string, string?>
        {
            [CoyoteEntryPoints.ProfileVariable] = profile,
            ["COYOTE_CLI_TELEMETRY_OPTOUT"] = "1",
        };
        if (configuration is not null)
        {
            environment[CoyoteEntryPoints.ConfigurationVariable] = configuration;
        }

        var result = ChildProcess.Run("dotnet", ["coyote", .. args], TimeSpan.FromMinutes(2), Repository.Root, environment);
        return (result.Output, result.ExitCode);
    }
}
