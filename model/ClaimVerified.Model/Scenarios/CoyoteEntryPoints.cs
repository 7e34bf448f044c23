using ClaimVerified.Model.Generation;
using ClaimVerified.Profiles;
using Microsoft.Coyote.SystematicTesting;

namespace ClaimVerified.Model.Scenarios;

/// <summary>
/// The Coyote entry points, one per scenario, for <c>dotnet coyote test &lt;model assembly&gt; -m &lt;method&gt;</c>.
/// The profile comes from the environment variable <see cref="ProfileVariable"/> (default: reference), because a
/// Coyote test method takes no arguments; in-process runs pass the profile directly to <see cref="Scenario.RunAsync"/>.
/// </summary>
public static class CoyoteEntryPoints
{
    public const string ProfileVariable = "CLAIMVERIFIED_PROFILE";

    /// <summary>
    /// For <see cref="GivenConfiguration"/>: a JSON file holding a generated configuration, or a trace's meta.json
    /// (whose configuration is taken).
    /// </summary>
    public const string ConfigurationVariable = "CLAIMVERIFIED_CONFIG";

    /// <summary>The configuration in the file <see cref="ConfigurationVariable"/> names; anything wrong fails in words.</summary>
    public static GeneratedConfig ConfigurationFromEnvironment()
    {
        var path = Environment.GetEnvironmentVariable(ConfigurationVariable);
        if (string.IsNullOrWhiteSpace(path) || !File.Exists(path))
        {
            throw new InvalidOperationException($"{ConfigurationVariable} must name a configuration file or a trace's meta.json (got '{path}')");
        }

        using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(path));
        var config = json.RootElement.TryGetProperty("configuration", out var inMeta) ? inMeta.GetRawText() : json.RootElement.GetRawText();
        return GeneratedConfig.FromRecord(config);
    }

    /// <summary>The profile named by <see cref="ProfileVariable"/>; an unknown name fails with the list of names.</summary>
    public static Profile ProfileFromEnvironment()
    {
        var name = Environment.GetEnvironmentVariable(ProfileVariable);
        return string.IsNullOrWhiteSpace(name) ? Catalogue.Reference : Catalogue.Get(name);
    }

    [Test]
    public static Task BuildersRace() => ScenarioCatalogue.BuildersRace.RunAsync(ProfileFromEnvironment());

    [Test]
    public static Task ClaimWindow() => ScenarioCatalogue.ClaimWindow.RunAsync(ProfileFromEnvironment());

    [Test]
    public static Task ExtraPages() => ScenarioCatalogue.ExtraPages.RunAsync(ProfileFromEnvironment());

    [Test]
    public static Task PopulateDuringBuild() => ScenarioCatalogue.PopulateDuringBuild.RunAsync(ProfileFromEnvironment());

    [Test]
    public static Task Sharing() => ScenarioCatalogue.Sharing.RunAsync(ProfileFromEnvironment());

    [Test]
    public static Task KillDuringClaim() => ScenarioCatalogue.KillDuringClaim.RunAsync(ProfileFromEnvironment());

    [Test]
    public static Task Offline() => ScenarioCatalogue.Offline.RunAsync(ProfileFromEnvironment());

    [Test]
    public static Task MaxMemLowered() => ScenarioCatalogue.MaxMemLowered.RunAsync(ProfileFromEnvironment());

    [Test]
    public static Task TmemBalloon() => ScenarioCatalogue.TmemBalloon.RunAsync(ProfileFromEnvironment());

    [Test]
    public static Task NumaPlacement() => ScenarioCatalogue.NumaPlacement.RunAsync(ProfileFromEnvironment());

    [Test]
    public static Task Generated() => ScenarioCatalogue.Generated.RunAsync(ProfileFromEnvironment());

    /// <summary>A given configuration (<c>explore --config</c>, or a shrunk counterexample), read from <see cref="ConfigurationVariable"/>.</summary>
    [Test]
    public static Task GivenConfiguration() => ScenarioCatalogue.Given(ConfigurationFromEnvironment()).RunAsync(ProfileFromEnvironment());

    [Test]
    public static Task RandomOperations() => ScenarioCatalogue.RandomOperations.RunAsync(ProfileFromEnvironment());
}
