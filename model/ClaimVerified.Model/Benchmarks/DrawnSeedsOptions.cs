using ClaimVerified.Model.Scenarios;

namespace ClaimVerified.Model.Benchmarks;

/// <summary>
/// What a measure over a drawn family's seeds runs, and its limits: which profiles, which family, how many seeds (<see
/// cref="CheckerPower.SeedFor"/> k, k = 0 .. Seeds-1) and how many schedules each seed's run explores. Each measure keeps
/// its own defaults and adds what only it needs.
/// </summary>
public abstract record DrawnSeedsOptions
{
    protected DrawnSeedsOptions(int seeds, uint schedules) => (Seeds, Schedules) = (seeds, schedules);

    /// <summary>Profiles (empty: every profile the measure takes, as it says).</summary>
    public IReadOnlyList<string> Profiles { get; init; } = [];

    /// <summary>A drawn scenario.</summary>
    public string Scenario { get; init; } = ScenarioCatalogue.Generated.Name;

    /// <summary>Seeds per profile.</summary>
    public int Seeds { get; init; }

    /// <summary>A limit on everything: the schedules each seed's run explores.</summary>
    public uint Schedules { get; init; }
}
