using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ClaimVerified.Model.Attribution;
using ClaimVerified.Model.Exploration;
using ClaimVerified.Model.Scenarios;
using ClaimVerified.Model.Traces;
using ClaimVerified.Profiles;

namespace ClaimVerified.Model.Matrix;

/// <summary>
/// One attribution as made: what it was made of (the model's source fingerprint and Coyote's version, the cell, the
/// property, the violating schedule by its hash, how it was calibrated) and what it said.
/// </summary>
public sealed record CachedAttribution(
    string Fingerprint, string Coyote, string Profile, string Scenario, string Property, string Trace, uint Calibration, bool Retry,
    string Label, IReadOnlyList<string> Findings, string Why)
{
    /// <summary>The entry's key: everything the attribution depends on, nothing it says.</summary>
    public string Key => $"{Fingerprint}|{Coyote}|{Profile}|{Scenario}|{Property}|{Trace}|{Calibration}|{(Retry ? "retry" : "once")}";

    public Attributed Attributed => new(Label, Findings, Why);
}

/// <summary>
/// Attributions already made by this very code, so that a run does not make them again. An attribution is a pure
/// function of the model's source (its fingerprint, which covers the attribution's own code and the table of fixes),
/// Coyote's version, the cell, the property, the violating schedule (replayed exactly), the calibration budget and
/// whether a missed calibration is retried; an entry is used only where every one of these is the same, so a hit says
/// exactly what attributing again would (AttributionCacheTests compares the two). Entries recorded by other code are
/// kept out (<see cref="Stale"/>), never trusted. Why it exists: attributing the drawn rows' rare violations on hosts
/// with 2 MiB extents is nearly all of their cost (RESULTS.md, December 6, eighth session), and it is the same
/// computation on every CI run of the same model. What it must not do: stand in for an exploration. A run still
/// explores its whole budget and meets each violation itself; only the attribution of a violation met on the very
/// schedule recorded is looked up.
/// </summary>
public sealed class AttributionCache
{
    /// <summary>A limit on everything: the most entries a cache file may hold.</summary>
    public const int MaxEntries = 20_000;

    /// <summary>Where the committed cache lives in the repository, embedded in the model assembly from there.</summary>
    public const string CommittedPath = "model/ClaimVerified.Model/Manifest/attributions.jsonl";

    private const string ResourceName = "attributions.jsonl";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly object gate = new();
    private readonly Dictionary<string, CachedAttribution> entries = new(StringComparer.Ordinal);
    private readonly List<CachedAttribution> made = [];
    private int hits;

    private AttributionCache(IEnumerable<CachedAttribution> loaded, string source)
    {
        Source = source;
        foreach (var entry in loaded)
        {
            if (entry.Fingerprint != Fingerprint.Current || entry.Coyote != TraceFolder.CoyoteVersion)
            {
                Stale++;
                continue;
            }

            entries[entry.Key] = entry;
        }
    }

    /// <summary>An empty cache: every attribution is made (and recorded in <see cref="Made"/>).</summary>
    public static AttributionCache Empty() => new([], "none");

    /// <summary>The committed cache, as embedded in the model assembly.</summary>
    public static AttributionCache Committed()
    {
        using var stream = typeof(AttributionCache).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"{ResourceName} is not embedded in the model assembly");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return new AttributionCache(Parse(reader.ReadToEnd(), CommittedPath), "the committed one");
    }

    /// <summary>A cache read from <paramref name="path"/> (a file that does not exist: empty).</summary>
    public static AttributionCache Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return new AttributionCache(File.Exists(path) ? Parse(File.ReadAllText(path), path) : [], path);
    }

    /// <summary>Where the entries came from, for a run's summary: "none", "the committed one", or a file's path.</summary>
    public string Source { get; }

    /// <summary>Entries of other code (another fingerprint or Coyote version), kept out.</summary>
    public int Stale { get; }

    /// <summary>Attributions this cache answered.</summary>
    public int Hits
    {
        get
        {
            lock (gate)
            {
                return hits;
            }
        }
    }

    /// <summary>The usable entries, as loaded, and those made since.</summary>
    public int Count
    {
        get
        {
            lock (gate)
            {
                return entries.Count;
            }
        }
    }

    /// <summary>The attributions made (not found) since this cache was loaded, in the order they were made.</summary>
    public IReadOnlyList<CachedAttribution> Made
    {
        get
        {
            lock (gate)
            {
                return [.. made];
            }
        }
    }

    /// <summary>
    /// The attribution of <paramref name="violation"/>: the recorded one if this code made it before on the same
    /// schedule (Reused), else <see cref="Attributor.Attribute"/>'s, recorded and returned as Made. A violation with no
    /// property (the model failed) is never cached: it is reported as it happens.
    /// </summary>
    public (Attributed Attributed, CachedAttribution? Made, bool Reused) Attribute(Profile profile, Scenario scenario, MetViolation violation, uint calibrationBudget,
        bool retryCalibration)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(violation);
        Attributed Make() => Attributor.Attribute(profile, scenario, violation, calibrationBudget: calibrationBudget, retryCalibration: retryCalibration);
        if (violation.IsModelFailure || violation.Result.ReproducibleTrace is not { } trace)
        {
            return (Make(), null, false);
        }

        var probe = new CachedAttribution(Fingerprint.Current, TraceFolder.CoyoteVersion, profile.Name, scenario.Name, violation.Property,
            HashOf(trace), calibrationBudget, retryCalibration, "", [], "");
        lock (gate)
        {
            if (entries.TryGetValue(probe.Key, out var found))
            {
                hits++;
                return (found.Attributed, null, true);
            }
        }

        var attributed = Make();
        var made = probe with { Label = attributed.Label, Findings = attributed.Findings, Why = attributed.Why };
        Add([made]);
        return (attributed, made, false);
    }

    /// <summary>The usable entry of <paramref name="key"/> (<see cref="CachedAttribution.Key"/>), or null: what a caller checks a cache by.</summary>
    public CachedAttribution? Lookup(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        lock (gate)
        {
            return entries.GetValueOrDefault(key);
        }
    }

    /// <summary>Adds entries made elsewhere (an explore child's, reported with its chunks), as if made here.</summary>
    public void Add(IEnumerable<CachedAttribution> more)
    {
        ArgumentNullException.ThrowIfNull(more);
        lock (gate)
        {
            foreach (var entry in more)
            {
                if (entry.Fingerprint == Fingerprint.Current && entry.Coyote == TraceFolder.CoyoteVersion && entries.TryAdd(entry.Key, entry))
                {
                    made.Add(entry);
                }
            }
        }
    }

    /// <summary>
    /// Writes every usable entry to <paramref name="path"/>, one JSON object a line in key order (so that two runs that
    /// made the same attributions write the same file); entries of other code are left out.
    /// </summary>
    public void Save(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string[] lines;
        lock (gate)
        {
            if (entries.Count > MaxEntries)
            {
                throw new InvalidOperationException($"{entries.Count} attributions, more than the {MaxEntries} a cache may hold");
            }

            lines = [.. entries.Values.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => JsonSerializer.Serialize(e, Json))];
        }

        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(folder);
        var temporary = Path.Combine(folder, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
        File.WriteAllText(temporary, lines.Length == 0 ? "" : string.Join("\n", lines) + "\n");
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>The violating schedule's hash: a Coyote trace is kilobytes, and only its identity matters here.</summary>
    public static string HashOf(string reproducibleTrace) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(reproducibleTrace)))[..32];

    private static List<CachedAttribution> Parse(string text, string source)
    {
        var parsed = new List<CachedAttribution>();
        var lines = text.Split('\n');
        for (var index = 0; index < lines.Length; index++)
        {
            var line = lines[index].Trim();
            if (line.Length == 0)
            {
                continue;
            }

            if (parsed.Count == MaxEntries)
            {
                throw new InvalidDataException($"{source}: more than {MaxEntries} attributions");
            }

            parsed.Add(ParseLine(line, source, index + 1));
        }

        return parsed;
    }

    private static CachedAttribution ParseLine(string line, string source, int number)
    {
        CachedAttribution? entry;
        try
        {
            entry = JsonSerializer.Deserialize<CachedAttribution>(line, Json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source}, line {number}: not an attribution ({e.Message})");
        }

        return entry is { Fingerprint: { Length: > 0 }, Coyote: { Length: > 0 }, Profile: { Length: > 0 }, Scenario: { Length: > 0 },
            Property: { Length: > 0 }, Trace: { Length: 32 }, Label: { Length: > 0 }, Findings: not null, Why: not null }
            ? entry
            : throw new InvalidDataException($"{source}, line {number}: an attribution needs fingerprint, coyote, profile, scenario, property, "
                + "trace (32 hex digits), label, findings and why");
    }
}
