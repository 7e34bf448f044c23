using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Text.Json.Serialization;
using ClaimVerified.Model.Matrix;
using ClaimVerified.Model.Traces;

namespace ClaimVerified.Model.Benchmarks;

/// <summary>
/// One seed of a time-to-finding run, as a line of a <see cref="SeedLedger"/>: which build measured it, with what cap,
/// attribution limit and expected findings, and the schedule at which it first met each.
/// </summary>
/// <param name="Continued">
/// Whether its schedules went on past their violations (`bench findings --continue`); written only when true, so a line
/// of a run that stops at each schedule's first violation reads as every line did before the mode existed.
/// </param>
public sealed record LedgerSeed(
    string Fingerprint, string Profile, string Scenario, int SeedIndex, uint Seed, uint Cap, int MaxAttributions,
    IReadOnlyList<string> Expected, IReadOnlyDictionary<string, int> FirstMet, string Stop, double Seconds,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] bool Continued = false)
{
    /// <summary>How a seed says it stopped at the attribution limit (in its progress line and its <see cref="Stop"/>).</summary>
    public static string AtLimit(int limit, int schedule) =>
        string.Create(CultureInfo.InvariantCulture, $"stopped at the attribution limit ({limit}) at schedule {schedule}");

    /// <summary>The schedule at which a seed stopped at the attribution limit, read back from its stop (null: it did not).</summary>
    public static int? LimitStop(string stop)
    {
        var at = Regex.Match(stop ?? throw new ArgumentNullException(nameof(stop)), @"^stopped at the attribution limit \(\d+\) at schedule (\d+)$");
        return at.Success ? int.Parse(at.Groups[1].Value, CultureInfo.InvariantCulture) : null;
    }
}

/// <summary>A seed ledger that cannot be read as one: the line and what is wrong with it.</summary>
public sealed class SeedLedgerException(string message) : Exception(message);

/// <summary>
/// The seeds a time-to-finding run has measured, one JSON line each, appended as each seed ends. A run takes hours
/// (a seed is 1 to 16 minutes, nearly all attribution), and one that is stopped (a session's end, a kill) loses only
/// the seed in progress: the next run with the same ledger reuses every seed measured with the same build (the source
/// fingerprint traces carry), cap, attribution limit and expected findings, and measures the rest. A seed measured
/// otherwise is measured again, never reused: its figures belong to other code or another question.
/// </summary>
public sealed class SeedLedger
{
    /// <summary>A limit on everything: a ledger of more lines than this is not a time-to-finding run's.</summary>
    public const int MaxLines = 100_000;

    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    private readonly string path;
    private readonly List<LedgerSeed> seeds;

    private SeedLedger(string path, List<LedgerSeed> seeds) => (this.path, this.seeds) = (path, seeds);

    /// <summary>The seeds the file holds, whoever measured them.</summary>
    public IReadOnlyList<LedgerSeed> Seeds => seeds;

    /// <summary>
    /// Reads the ledger at <paramref name="path"/> (none yet: empty) and makes sure a seed can be appended to it, before
    /// any seed is measured. A line that is not a seed is a <see cref="SeedLedgerException"/> naming it; a folder that
    /// does not exist or cannot be written, an IOException or UnauthorizedAccessException. Nothing is written here.
    /// </summary>
    public static SeedLedger Open(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var text = File.Exists(path) ? File.ReadAllText(path) : "";
        // Each seed is appended with its newline in one write: a file that does not end in one was stopped mid-line.
        var torn = text.Length > 0 && !text.EndsWith('\n');
        var lines = text.Length == 0 ? [] : text.TrimEnd('\n').Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
        if (lines.Length > MaxLines)
        {
            throw new SeedLedgerException($"{path} has {lines.Length} lines, more than a ledger's {MaxLines}: is it a seed ledger?");
        }

        var seeds = lines.Select((line, i) => (Line: line, Number: i + 1)).Where(l => l.Line.Length > 0)
            .Select(l => Parse(path, l.Number, l.Line, torn && l.Number == lines.Length)).ToList();
        // Appending nothing proves the file (or its folder) can be written, so a run that cannot keep its seeds says so
        // before its first hour, not after.
        using (new FileStream(path, FileMode.Append, FileAccess.Write))
        {
        }

        return new SeedLedger(path, seeds);
    }

    private static LedgerSeed Parse(string path, int number, string line, bool last)
    {
        LedgerSeed? seed;
        try
        {
            seed = JsonSerializer.Deserialize<LedgerSeed>(line, Options);
        }
        catch (JsonException e)
        {
            throw new SeedLedgerException(last
                ? $"{path} line {number} is incomplete: a run was stopped while writing it; delete that line and run again to resume"
                : $"{path} line {number} is not a seed of bench findings: {e.Message}");
        }

        var problem = seed is null ? "it is empty"
            : seed.Fingerprint is null || seed.Profile is null || seed.Scenario is null || seed.Expected is null || seed.FirstMet is null || seed.Stop is null
                ? "a field is missing"
            : seed.SeedIndex < 0 || seed.Seed != CheckerPower.SeedFor(seed.SeedIndex) ? $"seed {seed.Seed} is not the seed of index {seed.SeedIndex}"
            : seed.Cap == 0 || seed.MaxAttributions < 1 ? "its cap or attribution limit is not positive"
            : seed.FirstMet.FirstOrDefault(m => m.Value < 1 || m.Value > seed.Cap || !seed.Expected.Any(e => e.StartsWith(m.Key + ":", StringComparison.Ordinal))) is { Key: not null } bad
                ? $"{bad.Key} first met at {bad.Value}, outside 1..{seed.Cap} or not expected"
            : null;
        return problem is null ? seed! : throw new SeedLedgerException($"{path} line {number} is not a seed of bench findings: {problem}");
    }

    /// <summary>How a seed's expected findings are written in the ledger: "finding:Expectation", in the run's order.</summary>
    public static IReadOnlyList<string> Describe(IReadOnlyList<(string Finding, Expectation Expectation)> expected) =>
        [.. (expected ?? throw new ArgumentNullException(nameof(expected))).Select(e => $"{e.Finding}:{e.Expectation}")];

    /// <summary>
    /// The seed measured by this build for the same question (profile, scenario, seed, cap, attribution limit, expected
    /// findings, whether schedules went on past violations), if the ledger has it (the last such line). A seed measured
    /// with a lower attribution limit that it never reached answers a higher one too: its run ended (every finding met, or
    /// the cap) before the limit could matter.
    /// </summary>
    public LedgerSeed? Find(string profile, string scenario, int seedIndex, uint cap, int maxAttributions, IReadOnlyList<string> expected,
        bool continued = false) =>
        seeds.LastOrDefault(s => s.Fingerprint == Fingerprint.Current && s.Profile == profile && s.Scenario == scenario
            && s.SeedIndex == seedIndex && s.Cap == cap && s.Expected.SequenceEqual(expected) && s.Continued == continued
            && (s.MaxAttributions == maxAttributions || (s.MaxAttributions < maxAttributions && LedgerSeed.LimitStop(s.Stop) is null)));

    /// <summary>Seeds of the cell that this build cannot reuse (another build, cap, limit, expectation or mode).</summary>
    public int Foreign(string profile, string scenario, uint cap, int maxAttributions, IReadOnlyList<string> expected, bool continued = false) =>
        seeds.Count(s => s.Profile == profile && s.Scenario == scenario
            && Find(profile, scenario, s.SeedIndex, cap, maxAttributions, expected, continued) is null);

    /// <summary>Appends a measured seed as one line, at once: a run stopped after it keeps it.</summary>
    public void Append(LedgerSeed seed)
    {
        ArgumentNullException.ThrowIfNull(seed);
        File.AppendAllText(path, JsonSerializer.Serialize(seed, Options) + "\n");
        seeds.Add(seed);
    }
}
