using System.Diagnostics;
using ClaimVerified.Model.Attribution;
using ClaimVerified.Model.Exploration;
using ClaimVerified.Model.Manifest;
using ClaimVerified.Model.Generation;
using ClaimVerified.Model.Scenarios;
using ClaimVerified.Model.Shrinking;
using ClaimVerified.Model.Traces;
using ClaimVerified.Profiles;

namespace ClaimVerified.Model.Matrix;

/// <summary>What a generated exploration met of one (property, finding): the first time and how often.</summary>
public sealed record MetFinding(string Property, string Label, int FirstSchedule, int Count, string Why);

/// <summary>
/// What one chunk of a drawn cell met of one (property, finding): its attribution, the first time (numbered in the
/// whole cell) and how often, the first violation's message and the trace folder written for it.
/// </summary>
public sealed record ChunkFinding(string Property, string Label, IReadOnlyList<string> Findings, int FirstSchedule, int Count, string Why,
    string Message, string? TraceFolder);

/// <summary>
/// One explored chunk of a drawn cell (<see cref="SeedChunk"/>): what a shard reports and a merge reads, with the
/// attributions it took from the cache (<see cref="Reused"/>) and those it made (<see cref="Made"/>, for the merge to
/// record: explore --record-attributions).
/// </summary>
public sealed record ChunkReport(string Profile, string Scenario, int Chunk, int Schedules, double Seconds, IReadOnlyList<ChunkFinding> Met,
    int Reused = 0, IReadOnlyList<CachedAttribution>? Made = null);

/// <summary>
/// A cell of the generated family: the whole budget is explored (it does not stop at the first violation), every
/// violation is attributed to a finding by its fix (or reported new or compound), and each distinct (property,
/// finding) gets a trace folder from the first execution that met it. A budget larger than a chunk is explored chunk by
/// chunk (<see cref="SeedChunk"/>), in one process or in shards, and the chunks are merged in chunk order.
/// </summary>
public static class GeneratedCell
{
    /// <summary>The chunks of a drawn cell's budget (<see cref="MatrixOptions.ChunkSize"/> schedules each).</summary>
    public static IReadOnlyList<SeedChunk> Chunks(ExpectedResults manifest, Profile profile, Scenario scenario, MatrixOptions options)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(options);
        var row = manifest.Find(profile.Name, scenario.Name);
        var budget = options.Iterations ?? options.DrawnBudget ?? row?.Budget ?? MatrixOptions.UnlistedBudget;
        return SeedChunk.Of(budget, options.ChunkSize, options.Seed);
    }

    /// <summary>
    /// Explores one chunk: attributes its violations (the first few of each property), and writes a trace folder for the
    /// first violation of each distinct (property, finding), shrunk if asked, under the chunk's traces root.
    /// </summary>
    public static (ChunkReport Report, IReadOnlyDictionary<(string Property, string Label), Counterexample> Examples) ExploreChunk(
        ExpectedResults manifest, Profile profile, Scenario scenario, MatrixOptions options, SeedChunk chunk)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(chunk);
        var stopwatch = Stopwatch.StartNew();
        var awaited = options.AtRowBudgets && manifest.Find(profile.Name, scenario.Name) is { } row
            ? new AwaitedFindings(AwaitedFindings.Of(manifest, row)) : null;
        var (whole, distinct, made, reused) = Meet(profile, scenario, new ExplorationOptions(chunk.Schedules, options.Strategy, chunk.Seed),
            options.CalibrationBudget, options.AtRowBudgets, awaited, options.Attributions);
        var root = SeedChunk.TracesRoot(options.TracesRoot, profile, scenario, chunk.Index);
        var examples = new Dictionary<(string, string), Counterexample>();
        var met = new List<ChunkFinding>();
        foreach (var (violation, attributed, found) in distinct)
        {
            string? folder = null;
            if (attributed != NotAttributed)
            {
                var example = Counterexample.Replay(profile, scenario, violation.Result);
                folder = options.Shrink && example.Configuration is { } config
                    ? WriteShrunk(root, manifest, profile, scenario.Name, config, violation, attributed, options, ref example)
                    : Write(root, example, manifest, attributed, options);
                examples[(found.Property, found.Label)] = example;
            }

            met.Add(new ChunkFinding(found.Property, found.Label, attributed.Findings, chunk.Offset(options.ChunkSize) + found.FirstSchedule,
                found.Count, found.Why, violation.Result.BugMessage ?? "", folder));
        }

        return (new ChunkReport(profile.Name, scenario.Name, chunk.Index, whole.Schedules, Math.Round(stopwatch.Elapsed.TotalSeconds, 2), met,
            reused, made), examples);
    }

    /// <summary>
    /// Merges a cell's chunk reports (from this process or from shards) in chunk order: each distinct (property, finding)
    /// is first met where its earliest chunk met it, and counted over all; its trace folder is that chunk's, moved out of
    /// the staging folder when the chunk is not the first; the staging folder is then deleted. The cell is judged on all
    /// the chunks' schedules. Returns the winners in the order they were first met, each with its trace folder.
    /// </summary>
    public static (CellReport Cell, IReadOnlyList<(int Chunk, string Property, string Label, string Folder)> Winners) Merge(
        ExpectedResults manifest, Profile profile, Scenario scenario, MatrixOptions options, IReadOnlyList<ChunkReport> chunks)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(chunks);
        var row = manifest.Find(profile.Name, scenario.Name);
        var ordered = chunks.OrderBy(c => c.Chunk).ToArray();
        var schedules = ordered.Sum(c => c.Schedules);
        var distinct = ordered.SelectMany(c => c.Met.Select(m => (c.Chunk, Found: m)))
            .GroupBy(m => (m.Found.Property, m.Found.Label))
            .Select(g => (First: g.First(), Count: g.Sum(m => m.Found.Count)))
            .OrderBy(d => d.First.Found.FirstSchedule).ToArray();
        var stagingRoot = SeedChunk.StagingRoot(options.TracesRoot, profile, scenario);
        var folders = distinct.Select(d =>
        {
            var chunkRoot = SeedChunk.TracesRoot(options.TracesRoot, profile, scenario, d.First.Chunk);
            var folder = Rebase(d.First.Found.TraceFolder, chunkRoot);
            return d.First.Chunk == 0 || folder is null || options.IsPart ? folder : MoveOutOfStaging(folder, chunkRoot, options.TracesRoot);
        }).ToArray();
        if (!options.IsPart && Directory.Exists(stagingRoot))
        {
            Directory.Delete(stagingRoot, recursive: true);
            DeleteIfEmpty(Path.GetDirectoryName(stagingRoot)!);
            DeleteIfEmpty(Path.Combine(options.TracesRoot, SeedChunk.StagingFolder));
        }

        var met = distinct.Select(d => new MetFinding(d.First.Found.Property, d.First.Found.Label, d.First.Found.FirstSchedule, d.Count, d.First.Found.Why))
            .ToArray();
        var judged = row?.JudgeFindings([.. distinct.Select(d => (d.First.Found.Label, d.First.Found.Findings, d.First.Found.Property))], schedules,
            options.AtRowBudgets ? null : [Attributed.Inconclusive]) ?? Judged.NoExpectation;
        var verdict = met.Length == 0 ? "holds" : "violates " + string.Join(", ", met.Select(f => $"{f.Property} ({f.Label})"));
        var notYet = (row?.Findings ?? []).Where(f => met.All(m => m.Label != f)).ToArray();
        if (row is not null && schedules < row.Budget && notYet.Length > 0)
        {
            // Below the row's budget a finding not met yet is not counted against the cell (JudgeFindings); say so.
            verdict += $"; not met yet in {schedules} of the manifest's {row.Budget} schedules: {string.Join(", ", notYet)}";
        }

        var cell = new CellReport(profile.Name, scenario.Name, verdict, row?.Describe() ?? "no expectation", judged.Judgement,
            judged.Deviation, schedules, met.Length == 0 ? null : met[0].FirstSchedule, Math.Round(ordered.Sum(c => c.Seconds), 2),
            met.Length == 0 ? null : distinct[0].First.Found.Message, folders.FirstOrDefault(f => f is not null), row?.Finding);
        return (cell, [.. distinct.Select((d, i) => (d.First.Chunk, d.First.Found.Property, d.First.Found.Label, Folder: folders[i]))
            .Where(w => w.Folder is not null).Select(w => (w.Chunk, w.Property, w.Label, w.Folder!))]);
    }

    /// <summary>
    /// Where a chunk's trace folder is here: a shard run on another machine (explore --merge) recorded it under its own
    /// traces root, and its folders were gathered under this run's; a trace folder is always &lt;chunk root&gt;/&lt;profile&gt;/&lt;name&gt;.
    /// Where the recorded path is not under this run's root and the rebased one does not exist, the recorded one stays.
    /// </summary>
    private static string? Rebase(string? recorded, string chunkRoot)
    {
        if (recorded is null)
        {
            return null;
        }

        var trimmed = recorded.TrimEnd('/', '\\');
        var rebased = Path.Combine(chunkRoot, Path.GetFileName(Path.GetDirectoryName(trimmed)) ?? "", Path.GetFileName(trimmed));
        return Directory.Exists(rebased) || !Directory.Exists(recorded) ? rebased : recorded;
    }

    /// <summary>Moves a staged trace folder to where the first chunk would have written it, replacing what is there.</summary>
    private static string MoveOutOfStaging(string folder, string chunkRoot, string tracesRoot)
    {
        var target = Path.Combine(tracesRoot, Path.GetRelativePath(chunkRoot, folder));
        if (Directory.Exists(target))
        {
            Directory.Delete(target, recursive: true);
        }

        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        Directory.Move(folder, target);
        return target;
    }

    private static void DeleteIfEmpty(string folder)
    {
        if (Directory.Exists(folder) && !Directory.EnumerateFileSystemEntries(folder).Any())
        {
            Directory.Delete(folder);
        }
    }

    /// <summary>
    /// Shrinks the counterexample's configuration (<see cref="Shrinker"/>) and writes the smaller one's shortest
    /// violating schedule, in the folder the drawn one would have had: it is a given configuration now, so its replay
    /// does not draw; the README says what it was shrunk from. Nothing smaller: <paramref name="example"/>, the drawn
    /// counterexample, is written as it is.
    /// </summary>
    private static string WriteShrunk(string root, ExpectedResults manifest, Profile profile, string family, GeneratedConfig config,
        MetViolation violation, Attributed attributed, MatrixOptions options, ref Counterexample example)
    {
        if (Shrinker.Shrink(profile, config, violation, attributed, options.CalibrationBudget) is not { } shrunk)
        {
            return Write(root, example, manifest, attributed, options);
        }

        example = Counterexample.Replay(profile, shrunk.Scenario, shrunk.Violation.Result);
        return Write(root, example, manifest, shrunk.Attributed, options, new ShrinkNote(family, shrunk.Describe(config)));
    }

    /// <summary>
    /// Writes a trace folder with what the run chose (its budget, a calibration other than the default), so that the
    /// folder's regenerate command explores as far and attributes alike.
    /// </summary>
    private static string Write(string root, Counterexample example, ExpectedResults manifest, Attributed attributed, MatrixOptions options,
        ShrinkNote? shrunk = null) =>
        TraceFolder.Write(root, example, manifest, attributed, shrunk, options.Iterations,
            options.CalibrationBudget == Attributor.CalibrationBudget ? null : options.CalibrationBudget);

    /// <summary>
    /// A limit on the attribution's cost: the first this many violations of each property are attributed, whatever they
    /// are. Attributing one can take thousands of schedules where a fix moves a critical section, and a profile with many
    /// findings meets dozens of violations in a few hundred schedules.
    /// </summary>
    public const int MaxAttributedPerProperty = 2;

    /// <summary>
    /// A limit on everything: past <see cref="MaxAttributedPerProperty"/>, a run given the findings its row awaits
    /// attributes a violation only while it could still meet one of them (<see cref="AwaitedFindings.MayMeetOne"/>), and
    /// at most this many of each property in all. 6 is the least tried that meets what seed 17 meets at 12 on every
    /// row: at 4, xen-4.3's tmem-backed claims and xen-4.21.0's extra pages were passed over (December 6).
    /// </summary>
    public const int MaxAttributedPerPropertyAwaiting = 6;

    private static readonly Attributed NotAttributed = new(ExpectedResult.NotAttributedLabel, [],
        $"past the first {MaxAttributedPerProperty} violations of this property, only those whose attribution could still meet a finding the "
        + $"row awaits are attributed, {MaxAttributedPerPropertyAwaiting} at most; this one was only counted");

    /// <summary>
    /// Explores the whole budget, attributes the violations, and returns the first violation of each distinct (property,
    /// finding) in the order they were met, with how often each was met. The first <see cref="MaxAttributedPerProperty"/>
    /// of each property are attributed; past them, given <paramref name="awaited"/> (a run at the row's budget, not the
    /// main job's quick look), so is each that could still meet a finding the row awaits, up to
    /// <see cref="MaxAttributedPerPropertyAwaiting"/> of the property. The others are counted, in the open. Every
    /// attribution goes through <paramref name="cache"/> (an empty one when none is given): one this code made before on
    /// the same schedule is taken from it (Reused), and each one made is returned (Made).
    /// </summary>
    public static (WholeBudgetResult Whole, IReadOnlyList<(MetViolation Violation, Attributed Attributed, MetFinding Met)> Distinct,
        IReadOnlyList<CachedAttribution> Made, int Reused) Meet(
        Profile profile, Scenario scenario, ExplorationOptions options, uint calibrationBudget = Attributor.CalibrationBudget, bool retryCalibration = true,
        AwaitedFindings? awaited = null, AttributionCache? cache = null)
    {
        cache ??= AttributionCache.Empty();
        var whole = WholeBudget.Explore(profile, scenario, options);
        var attributed = new Dictionary<string, int>(StringComparer.Ordinal);
        var met = new List<(MetViolation Violation, Attributed Attributed)>();
        var made = new List<CachedAttribution>();
        var reused = 0;
        foreach (var violation in whole.Violations)
        {
            var count = attributed.GetValueOrDefault(violation.Property);
            if (count >= MaxAttributedPerProperty
                && (awaited is null || count >= MaxAttributedPerPropertyAwaiting || !awaited.MayMeetOne(profile, scenario, violation)))
            {
                met.Add((violation, NotAttributed));
                continue;
            }

            attributed[violation.Property] = count + 1;
            var (attribution, fresh, taken) = cache.Attribute(profile, scenario, violation, calibrationBudget, retryCalibration);
            made.AddRange(fresh is null ? [] : [fresh]);
            reused += taken ? 1 : 0;
            awaited?.Record(attribution, violation.ScheduleIndex);
            met.Add((violation, attribution));
        }

        var distinct = met.GroupBy(m => (m.Violation.Property, m.Attributed.Label))
            .Select(g => (g.First().Violation, g.First().Attributed,
                new MetFinding(g.Key.Property, g.Key.Label, g.First().Violation.ScheduleIndex, g.Count(), g.First().Attributed.Why)))
            .OrderBy(d => d.Item3.FirstSchedule).ToArray();
        return (whole, distinct, made, reused);
    }
}
