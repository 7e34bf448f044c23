using System.Diagnostics;
using ClaimVerified.Model.Exploration;
using ClaimVerified.Model.Manifest;
using ClaimVerified.Model.Scenarios;
using ClaimVerified.Model.Traces;
using ClaimVerified.Profiles;

namespace ClaimVerified.Model.Matrix;

/// <summary>What to explore: which cells, how hard, and where the counterexamples go.</summary>
/// <param name="Iterations">Schedules per cell; null: the manifest's budget for the cell (200 for a cell it lacks).</param>
/// <param name="DrawnBudget">Schedules per cell of a drawn scenario when <paramref name="Iterations"/> is null (null: the manifest's).</param>
/// <param name="Attempts">Explorations per violating cell; the shortest counterexample is kept.</param>
/// <param name="TracesRoot">Where trace folders are written.</param>
/// <param name="ChunkSize">Schedules per chunk of a drawn cell's seed space (<see cref="SeedChunk"/>): the unit a shard takes.</param>
/// <param name="CalibrationBudget">Schedules an attribution gives the unfixed configuration to meet a property again
/// (<see cref="Attribution.Attributor.CalibrationBudget"/> unless a user raises it to attribute an inconclusive violation).</param>
/// <param name="Attributions">Attributions this code made before (<see cref="AttributionCache"/>), to take
/// instead of making them again; null: every attribution is made.</param>
public sealed record MatrixOptions(
    IReadOnlyList<Profile> Profiles,
    IReadOnlyList<Scenario> Scenarios,
    uint? Iterations,
    Strategy Strategy,
    uint Seed,
    int Attempts,
    string TracesRoot,
    Shard? Shard = null,
    bool Shrink = false,
    uint? DrawnBudget = null,
    uint ChunkSize = SeedChunk.DefaultSize,
    uint CalibrationBudget = Attribution.Attributor.CalibrationBudget,
    UnitQueue? Queue = null,
    AttributionCache? Attributions = null)
{
    /// <summary>
    /// Whether this run explores part of the matrix for a merge elsewhere (a <see cref="Shard"/>, or the units it takes
    /// from a <see cref="Queue"/>): it reports its drawn chunks, and leaves their staged trace folders to the merge.
    /// </summary>
    public bool IsPart => Shard is not null || Queue is not null;

    /// <summary>
    /// Whether the drawn cells run at their rows' budgets, to judge each row as CI does, rather than at a budget of
    /// their own (the main job's quick look, <see cref="MainJobDrawnBudget"/>). Such a run calibrates again, longer, an
    /// attribution whose calibration missed before it says "inconclusive", and attributes, past the first few
    /// violations of a property, those that could still meet a finding its row awaits (<see cref="GeneratedCell.Meet"/>).
    /// </summary>
    public bool AtRowBudgets => DrawnBudget is null;

    /// <summary>
    /// The budget the main job (explore with no scenario and no --iterations) gives each cell of a drawn scenario, below
    /// the manifest's: what it meets is judged as in CI, what it has not met yet is not counted against it. Its
    /// attributions do not calibrate again where the first calibration missed (a violation once in 2,000 schedules of
    /// its configuration, met by luck at the second: xen-4.21.1's in-flight claim took 165 of the main job's 300 s to
    /// calibrate again and prove its fix over 8,888 schedules); they stay "inconclusive", which below the row's budget
    /// is not counted against it either (<see cref="Manifest.ExpectedResult.JudgeFindings"/>).
    /// </summary>
    public const uint MainJobDrawnBudget = 50;

    /// <summary>A limit on everything: at most this many explorations per violating cell.</summary>
    public const int MaxAttempts = 100;

    /// <summary>The budget of a cell the manifest does not list.</summary>
    public const uint UnlistedBudget = 200;

    /// <summary>Every cell, scenario by scenario, in the order the matrix prints them.</summary>
    public IReadOnlyList<(Profile Profile, Scenario Scenario)> AllCells() =>
        Scenarios.SelectMany(s => Profiles.Select(p => (p, s))).ToArray();

    /// <summary>
    /// The units of work of the whole matrix, in order: a staged cell is one unit, a drawn cell one unit per chunk of its
    /// budget (<see cref="SeedChunk"/>).
    /// </summary>
    public IReadOnlyList<WorkUnit> AllUnits(ExpectedResults manifest) =>
        AllCells().SelectMany(cell => cell.Scenario.Configure is null
            ? [new WorkUnit(cell.Profile, cell.Scenario, null)]
            : GeneratedCell.Chunks(manifest, cell.Profile, cell.Scenario, this).Select(chunk => new WorkUnit(cell.Profile, cell.Scenario, chunk)))
        .ToArray();

    /// <summary>The units this run explores: all of them, or this shard's slice (every n-th, from the i-th).</summary>
    public IReadOnlyList<WorkUnit> Units(ExpectedResults manifest) =>
        AllUnits(manifest).Where((_, index) => Shard is not { } shard || index % shard.Count == shard.Index).ToArray();
}

/// <summary>One unit of a matrix's work: a staged cell, or one chunk of a drawn cell.</summary>
public sealed record WorkUnit(Profile Profile, Scenario Scenario, SeedChunk? Chunk)
{
    public override string ToString() => $"{Profile.Name} x {Scenario.Name}" + (Chunk is { Index: > 0 } chunk ? $" chunk {chunk.Index}" : "");
}

/// <summary>One explored cell of the matrix, judged against the manifest.</summary>
public sealed record CellReport(
    string Profile,
    string Scenario,
    string Verdict,
    string Expected,
    Judgement Judgement,
    string? Deviation,
    int Schedules,
    int? IterationsToFirstBug,
    double Seconds,
    string? Message,
    string? TraceFolder,
    string? Finding)
{
    /// <summary>Whether nothing here contradicts the manifest (as expected, or no expectation).</summary>
    public bool AsExpected => Judgement is Judgement.AsExpected or Judgement.NoExpectation;
}

/// <summary>
/// The whole matrix: every cell's report, the timelines of its counterexamples, and the exit code. A shard's run also
/// gives the reports of the drawn chunks it explored (<see cref="Chunks"/>), for the merge; its drawn cells are partial.
/// </summary>
public sealed record MatrixResult(IReadOnlyList<CellReport> Cells, IReadOnlyList<Timeline> Timelines, TimeSpan Elapsed,
    IReadOnlyList<ChunkReport>? Chunks = null)
{
    public int ExitCode => Manifest.ExitCode.Of(Cells.Select(c => c.Judgement));

    /// <summary>The trace folders written by this run that did not replay (each with why): the report has no timeline of them.</summary>
    public IReadOnlyList<string> Unreplayed { get; init; } = [];
}

/// <summary>
/// The matrix run behind <c>claimverify explore</c>: for each profile x scenario, explore under Coyote, keep the
/// shortest of a few counterexamples, judge the cell against the manifest, and write the trace folder. The tool only
/// chooses the cells, shows progress and renders the reports.
/// </summary>
public static class MatrixRun
{
    public static MatrixResult Run(MatrixOptions options, Action<string>? starting = null, Action<CellReport>? done = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        Explorer.EnsureRewritten();
        var manifest = ExpectedResults.Load();
        var cells = new List<CellReport>();
        var timelines = new List<Timeline>();
        var chunkReports = new List<ChunkReport>();
        var stopwatch = Stopwatch.StartNew();
        foreach (var cell in Batches(options, manifest))
        {
            var (profile, scenario) = (cell[0].Profile, cell[0].Scenario);
            if (scenario.Configure is null)
            {
                starting?.Invoke($"{profile.Name} x {scenario.Name}");
                var (report, example) = ExploreCell(manifest, profile, scenario, options);
                cells.Add(report);
                timelines.AddRange(example is null ? [] : [example.Timeline]);
                done?.Invoke(report);
                continue;
            }

            var runs = new List<(ChunkReport Report, IReadOnlyDictionary<(string Property, string Label), Counterexample> Examples)>();
            foreach (var unit in cell)
            {
                starting?.Invoke(unit.ToString());
                runs.Add(GeneratedCell.ExploreChunk(manifest, profile, scenario, options, unit.Chunk!));
            }

            var (generated, winners) = GeneratedCell.Merge(manifest, profile, scenario, options, [.. runs.Select(r => r.Report)]);
            chunkReports.AddRange(runs.Select(r => r.Report));
            cells.Add(generated);
            timelines.AddRange(winners.Select(w => runs.Single(r => r.Report.Chunk == w.Chunk).Examples[(w.Property, w.Label)].Timeline));
            done?.Invoke(generated);
        }

        return new MatrixResult(cells, timelines, stopwatch.Elapsed, chunkReports);
    }

    /// <summary>
    /// The units this run explores, a cell's together: its slice of the matrix, or (from a queue) each unit as it is
    /// taken, alone, since the next one may go to another process.
    /// </summary>
    private static IEnumerable<IReadOnlyList<WorkUnit>> Batches(MatrixOptions options, ExpectedResults manifest) =>
        options.Queue is { } queue
            ? queue.Take(options.AllUnits(manifest)).Select(unit => (IReadOnlyList<WorkUnit>)[unit])
            : options.Units(manifest).GroupBy(unit => (unit.Profile, unit.Scenario)).Select(cell => (IReadOnlyList<WorkUnit>)[.. cell]);

    /// <summary>One cell: explore, find the shortest counterexample if there is one, judge, write its trace folder.</summary>
    public static (CellReport Cell, Counterexample? Example) ExploreCell(
        ExpectedResults manifest, Profile profile, Scenario scenario, MatrixOptions options)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(options);
        var row = manifest.Find(profile.Name, scenario.Name);
        if (scenario.NotApplicable(profile) is { } reason)
        {
            return (NotApplicable(row, profile, scenario, reason), null);
        }

        var budget = options.Iterations ?? row?.Budget ?? MatrixOptions.UnlistedBudget;
        var stopwatch = Stopwatch.StartNew();
        var result = Explorer.Explore(profile, scenario, new ExplorationOptions(budget, options.Strategy, options.Seed));
        var example = result.BugFound ? Shortest(profile, scenario, result, budget, options) : null;
        stopwatch.Stop();
        var judged = row?.Judge(result) ?? Judged.NoExpectation;
        var folder = example is null ? null : TraceFolder.Write(options.TracesRoot, example, manifest, budget: options.Iterations);
        var cell = new CellReport(profile.Name, scenario.Name, result.Verdict, row?.Describe() ?? "no expectation",
            judged.Judgement, judged.Deviation, result.Iterations, result.BugFound ? result.Iterations : null,
            Math.Round(stopwatch.Elapsed.TotalSeconds, 2), result.BugMessage, folder, row?.FindingFor(result.PropertyId));
        return (cell, example);
    }

    /// <summary>A cell whose scenario makes calls the profile's Xen never makes: not explored, and said why.</summary>
    private static CellReport NotApplicable(ExpectedResult? row, Profile profile, Scenario scenario, string reason)
    {
        var judged = row is null ? Judged.NoExpectation
            : row.IsNotApplicable ? Judged.AsExpected
            : Judged.Differs(false, $"the manifest expects {row.Describe()}, but {scenario.Name} does not apply to {profile.Name}: {reason}");
        return new CellReport(profile.Name, scenario.Name, ExpectedResult.NotApplicableText, row?.Describe() ?? "no expectation",
            judged.Judgement, judged.Deviation, 0, null, 0, reason, null, row?.Finding);
    }

    private static Counterexample? Shortest(Profile profile, Scenario scenario, ExplorationResult first, uint budget, MatrixOptions options) =>
        options.Attempts > 1
            ? Counterexample.FindShortest(profile, scenario, budget, options.Attempts, options.Strategy, (options.Seed, first))
            : Counterexample.Replay(profile, scenario, first);
}

/// <summary>
/// One slice of a matrix: the units of work (a staged cell, a chunk of a drawn cell's seed space) whose index in
/// <see cref="MatrixOptions.AllUnits"/> is <see cref="Index"/> modulo <see cref="Count"/>. A unit's result depends on
/// its own options only, so the slices of a matrix, run anywhere and merged in cell and chunk order, give what one run gives.
/// </summary>
public sealed record Shard(int Index, int Count)
{
    /// <summary>A limit on everything: at most this many shards.</summary>
    public const int MaxCount = 64;

    /// <summary>Reads "i/n" (0 &lt;= i &lt; n &lt;= 64); null with the reason when it is not that.</summary>
    public static Shard? Parse(string text, out string? problem)
    {
        var parts = (text ?? "").Split('/');
        if (parts.Length == 2 && int.TryParse(parts[0], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var index)
            && int.TryParse(parts[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var count)
            && count is >= 1 and <= MaxCount && index < count)
        {
            problem = null;
            return new Shard(index, count);
        }

        problem = $"--shard takes i/n with 0 <= i < n <= {MaxCount}, not '{text}'";
        return null;
    }

    public override string ToString() => $"{Index}/{Count}";
}
