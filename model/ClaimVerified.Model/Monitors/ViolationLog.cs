using ClaimVerified.Specification.Properties;

namespace ClaimVerified.Model.Monitors;

/// <summary>One violation a run recorded and went on past: its property and its message, as the monitor would have asserted it.</summary>
public sealed record RecordedViolation(string Property, string Message);

/// <summary>
/// The violations of one run that goes on past them (<see cref="Exploration.ExplorationOptions.Continue"/>): the first
/// of each property, in the order they broke. A run that stops at its first violation hides every later one in its
/// schedule, so a finding met often (max_pages' claim bound, the split window's claims backed) masks a rarer one that
/// the same schedule shows later (the unlocked dying check's release, whole-host claims' guarantee). Kept as text, never
/// the world: a world kept past its run keeps Coyote's engine alive.
/// </summary>
public sealed class ViolationLog
{
    /// <summary>
    /// The properties after which nothing more is worth judging: they catch broken bookkeeping (a mutant, a model bug),
    /// and no finding breaks them (a test holds the manifest and the committed attributions to it). Their first
    /// violation ends the run at once, as every violation does in a run that does not go on.
    /// </summary>
    public static IReadOnlySet<string> Terminal { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        PropertyIds.ClaimsSum, PropertyIds.Conservation, PropertyIds.KillFinal, PropertyIds.PhysInfoAtomic,
    };

    private readonly List<RecordedViolation> entries = [];

    /// <summary>The violations recorded, in the order they broke: at most one per property.</summary>
    public IReadOnlyList<RecordedViolation> Entries => entries;

    /// <summary>Whether the run has asserted its first violation (at its end, or at a terminal one): Coyote holds it as the bug.</summary>
    public bool Asserted { get; private set; }

    public bool Has(string property) => entries.Exists(e => e.Property == property);

    /// <summary>Records the first violation of <paramref name="property"/>; a later one of the same property is not news.</summary>
    public void Record(string property, string message)
    {
        ArgumentException.ThrowIfNullOrEmpty(property);
        ArgumentException.ThrowIfNullOrEmpty(message);
        if (!Has(property))
        {
            entries.Add(new RecordedViolation(property, message));
        }
    }

    /// <summary>The message the run asserts, its first violation's (null: none recorded); from here on the run is over.</summary>
    public string? Assert()
    {
        if (entries.Count == 0)
        {
            return null;
        }

        Asserted = true;
        return entries[0].Message;
    }
}
