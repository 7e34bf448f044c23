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

    [Test]
    public static Task RandomOperations() => ScenarioCatalogue.RandomOperations.RunAsync(ProfileFromEnvironment());
}
