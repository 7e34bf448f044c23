using Microsoft.Coyote.Rewriting;
using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using ClaimVerified.Model.Traces;
using ClaimVerified.Profiles;
using ClaimVerified.Specification;
using ClaimVerified.Specification.Properties;

namespace ClaimVerified.Model.Exhaustive;

/// <summary>
/// The bound of an exhaustive check: the host (nodes x pages a node, LLC colouring), how many domains may ever be
/// created, and the finite operation alphabet: creates with <see cref="CreateSizes"/> as max_pages, claims of every
/// size 0..the largest create size, populate/extra/decrease of order 0 (and 9 when a node has at least 512 pages),
/// sharing, offlining on every node, kill, destroy, max_pages set to a few values, Xen heap allocation and free, tmem
/// where the profile has it, and claim sets where it has them.
/// </summary>
/// <remarks><see cref="Without"/> leaves operation kinds out of the alphabet (see <see cref="OperationKinds"/>), so that
/// a mechanism's own violations show up when a shorter counterexample through another mechanism would hide them.</remarks>
public sealed record SpecBound(
    int Nodes, long PagesPerNode, int MaxDomains, IReadOnlyList<long> CreateSizes, bool LlcColouring = false,
    IReadOnlyList<string>? Without = null)
{
    /// <summary>The operation kinds <see cref="Without"/> may name.</summary>
    public static IReadOnlyList<string> OperationKinds { get; } =
        ["claim", "soft", "claimset", "populate", "extra", "decrease", "share", "offline", "tmem", "maxmem", "kill", "destroy", "xenheap"];

    public bool Has(string kind) => Without is null || !Without.Contains(kind);

    /// <summary>The bound's text, e.g. <c>2x8 pages, 2 domains, create max 4/8</c>; <see cref="Parse"/> reads it back.</summary>
    public string Render() =>
        $"{Nodes}x{PagesPerNode} pages, {MaxDomains} domains, create max {string.Join("/", CreateSizes)}{(LlcColouring ? ", llc" : "")}"
        + (Without is { Count: > 0 } ? $", without {string.Join("/", Without)}" : "");

    /// <summary>The bound in <see cref="Parse"/>'s syntax.</summary>
    public string ToArguments() =>
        $"nodes={Nodes} pages={PagesPerNode} domains={MaxDomains} sizes={string.Join(",", CreateSizes)}{(LlcColouring ? " llc" : "")}"
        + (Without is { Count: > 0 } ? $" without={string.Join(",", Without)}" : "");

    public override string ToString() => Render();

    public HostConfig Config => new(Nodes, PagesPerNode, LlcColouring);

    public long LargestCreate => CreateSizes.Count == 0 ? 0 : CreateSizes.Max();

    /// <summary>A small default: <paramref name="nodes"/> x <paramref name="pages"/>, create sizes half and all of a node.</summary>
    public static SpecBound Small(int nodes, long pages, int domains) =>
        new(nodes, pages, domains, pages / 2 == pages ? [pages] : [Math.Max(1, pages / 2), pages]);

    /// <summary>Reads <c>nodes=2 pages=8 domains=2 sizes=4,8 [llc] [without=offline,maxmem]</c> (the CLI's form); null with a reason on error.</summary>
    public static SpecBound? Parse(string text, out string? error)
    {
        ArgumentNullException.ThrowIfNull(text);
        int nodes = 1, domains = 2;
        long pages = 8;
        List<long>? sizes = null;
        var llc = false;
        List<string>? without = null;
        foreach (var word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = word.IndexOf('=', StringComparison.Ordinal);
            var key = eq < 0 ? word : word[..eq];
            var value = eq < 0 ? "" : word[(eq + 1)..];
            var ok = key switch
            {
                "nodes" => int.TryParse(value, CultureInfo.InvariantCulture, out nodes) && nodes is >= 1 and <= 8,
                "pages" => long.TryParse(value, CultureInfo.InvariantCulture, out pages) && pages is >= 1 and <= 1024,
                "domains" => int.TryParse(value, CultureInfo.InvariantCulture, out domains) && domains is >= 0 and <= 8,
                "sizes" => TryParseSizes(value, out sizes),
                "llc" => (llc = true) && eq < 0,
                "without" => (without = value.Split(',', StringSplitOptions.RemoveEmptyEntries).ToList()).All(OperationKinds.Contains),
                _ => false,
            };
            if (!ok)
            {
                error = $"bad bound word '{word}' (expected nodes=1..8 pages=1..1024 domains=0..8 sizes=a,b,.. llc without={string.Join(",", OperationKinds)})";
                return null;
            }
        }

        error = null;
        var bound = Small(nodes, pages, domains);
        return bound with { CreateSizes = sizes ?? bound.CreateSizes, LlcColouring = llc, Without = without };
    }

    private static bool TryParseSizes(string value, out List<long>? sizes)
    {
        sizes = [];
        foreach (var part in value.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!long.TryParse(part, CultureInfo.InvariantCulture, out var size) || size < 0 || size > 1 << 20)
            {
                return false;
            }

            sizes.Add(size);
        }

        return sizes.Count > 0;
    }
}

/// <summary>Hard limits of a check: beyond them the verdict is "incomplete".</summary>
/// <remarks><see cref="Threads"/> (the packed engine's worker threads; null: one per core) changes how fast, never what.</remarks>
public sealed record SpecCheckLimits(
    long MaxStates = 2_000_000, double MaxSeconds = 60, int MaxDepth = int.MaxValue, int? Threads = null, long? MaxMemoryBytes = null)
{
    public const int MaxThreads = 64;

    /// <summary>The managed heap the packed engine may grow to before it stops (incomplete) rather than be killed:
    /// <see cref="MaxMemoryBytes"/>, or 60% of the memory the runtime sees.</summary>
    public long MemoryBytes => MaxMemoryBytes ?? (long)(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes * 0.6);

    public static SpecCheckLimits Default { get; } = new();
}

/// <summary>One step of a counterexample: the operation, its result, and the host's counters after it.</summary>
public sealed record SpecTraceStep(int Step, string Operation, string Result, string Counters);

/// <summary>The shortest operation sequence (from a fresh host) that reaches a state violating <see cref="Property"/>.</summary>
public sealed record SpecCounterexample(string Property, string Detail, IReadOnlyList<SpecTraceStep> Steps)
{
    public int Length => Steps.Count;

    /// <summary>A timeline: one line per operation with its result and the counters after it, then the violation.</summary>
    public string Render()
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"[{Property}] after {Length} operation(s): {Detail}");
        var width = Steps.Count == 0 ? 0 : Steps.Max(s => s.Operation.Length + s.Result.Length + 4);
        foreach (var step in Steps)
        {
            var left = $"{step.Operation} -> {step.Result}";
            text.AppendLine(CultureInfo.InvariantCulture, $"  {step.Step,3}. {left.PadRight(width)} | {step.Counters}");
        }

        return text.ToString().TrimEnd();
    }
}

public enum SpecCheckStatus
{
    /// <summary>Every reachable state within the bound was explored and satisfies every property.</summary>
    Holds,

    /// <summary>Every reachable state was explored; some violate a property (see the counterexamples).</summary>
    Violates,

    /// <summary>A limit (states, time or depth) stopped the exploration; the counts are a lower bound.</summary>
    Incomplete,
}

/// <summary>The outcome of an exhaustive check of the specification within a bound.</summary>
public sealed record SpecCheckResult(
    string Profile,
    SpecBound Bound,
    SpecCheckStatus Status,
    long States,
    long Transitions,
    int Depth,
    TimeSpan Elapsed,
    IReadOnlyList<SpecCounterexample> Violations,
    string? IncompleteReason)
{
    /// <summary>Distinct states found a second.</summary>
    public double StatesPerSecond => States / Math.Max(Elapsed.TotalSeconds, 1e-9);

    /// <summary>Transitions (every operation tried on every state, TLC's "states generated") a second.</summary>
    public double TransitionsPerSecond => Transitions / Math.Max(Elapsed.TotalSeconds, 1e-9);

    /// <summary>The violated properties, in <see cref="SpecProperties.Ids"/> order.</summary>
    public IReadOnlyList<string> ViolatedProperties => Violations.Select(v => v.Property).ToArray();

    /// <summary><c>holds</c>, <c>violates claims-backed(3), admin-view(3)</c>, or <c>incomplete: ...</c>.</summary>
    public string Verdict
    {
        get
        {
            var violations = string.Join(", ", Violations.Select(v => $"{v.Property}({v.Length})"));
            return Status switch
            {
                SpecCheckStatus.Holds => "holds",
                SpecCheckStatus.Violates => $"violates {violations}",
                _ => $"incomplete ({IncompleteReason}){(Violations.Count > 0 ? $"; violates {violations}" : "")}",
            };
        }
    }

    public string Render()
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture,
            $"spec check {Profile}, bound {Bound.Render()}: {States} states, {Transitions} transitions, depth {Depth}, "
            + $"{Elapsed.TotalSeconds:0.00} s ({StatesPerSecond / 1e6:0.00} M states/s, {TransitionsPerSecond / 1e6:0.00} M transitions/s): {Verdict}");
        foreach (var violation in Violations)
        {
            text.AppendLine(violation.Render());
        }

        return text.ToString().TrimEnd();
    }
}

/// <summary>Which form of the specification an exhaustive check steps.</summary>
public enum SpecEngine
{
    /// <summary><see cref="PackedSpec"/>: rows of integers mutated in place; millions of transitions a second. The default.</summary>
    Packed,

    /// <summary><see cref="Spec.Step"/> on immutable records: the readable form, a few hundred thousand a second.</summary>
    Records,
}

/// <summary>
/// Exhaustive bounded checking of the sequential specification: a breadth-first search over every state
/// <see cref="Spec.Step"/> can reach from a fresh host with the bound's operation alphabet, with a visited set
/// of 128-bit state keys (<see cref="StateKey"/>). Every property is judged on every state; the first state found
/// violating a property is, by breadth-first order, at the smallest depth, so its path is a shortest counterexample.
/// The exploration continues past violations, so the state count is the whole reachable space.
/// </summary>
/// <remarks>
/// Two engines walk the same graph in the same order (<see cref="SpecAlphabet"/>) and so report the same states,
/// transitions, depth and counterexamples: <see cref="SpecEngine.Packed"/> (the default) and
/// <see cref="SpecEngine.Records"/>. Whichever engine finds a counterexample, its timeline is produced by replaying the
/// path through the record form, and the packed engine's are checked to violate the property there too.
/// </remarks>
[SkipRewriting(SequentialOnly.Reason)]
public static class SpecChecker
{
    public static SpecCheckResult Check(Profile profile, SpecBound bound, SpecCheckLimits? limits = null, SpecEngine engine = SpecEngine.Packed)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(bound);
        limits ??= SpecCheckLimits.Default;
        return engine == SpecEngine.Packed ? CheckPacked(profile, bound, limits) : CheckRecords(profile, bound, limits);
    }

    private static SpecCheckResult CheckRecords(Profile profile, SpecBound bound, SpecCheckLimits limits)
    {
        var stopwatch = Stopwatch.StartNew();
        var alphabet = new SpecAlphabet(profile, bound);
        var init = Spec.Init(profile, bound.Config);
        var initTargets = GhostTargets.Initial(bound.MaxDomains);

        var visited = new FingerprintSet();
        var parent = new List<int>();
        var via = new List<Operation?>();
        var queue = new Queue<(SpecState State, long[] Targets, int Index, int Depth)>();
        var firstViolation = new Dictionary<string, (int Index, string Detail)>();

        void Judge(SpecState state, long[] targets, int index)
        {
            var snapshot = SpecProperties.ToSnapshot(profile, state, targets);
            foreach (var (property, detail) in SpecProperties.Violations(profile, snapshot, firstViolation.ContainsKey))
            {
                firstViolation.TryAdd(property, (index, detail));
            }
        }

        visited.Add(StateKey.Of(init, initTargets));
        parent.Add(-1);
        via.Add(null);
        Judge(init, initTargets, 0);
        queue.Enqueue((init, initTargets, 0, 0));
        long transitions = 0;
        var depth = 0;
        string? incomplete = null;
        while (queue.Count > 0 && !IsHardStop(incomplete))
        {
            var (state, targets, index, level) = queue.Dequeue();
            depth = Math.Max(depth, level);
            if (level >= limits.MaxDepth)
            {
                incomplete ??= $"depth limit {limits.MaxDepth}";
                continue;
            }

            if ((index & 0x3FF) == 0 && stopwatch.Elapsed.TotalSeconds > limits.MaxSeconds)
            {
                incomplete = $"time limit {limits.MaxSeconds} s";
                break;
            }

            foreach (var op in alphabet.For(state))
            {
                transitions++;
                var (result, next) = Spec.Step(profile, state, op);
                if (ReferenceEquals(next, state))
                {
                    continue; // An error path (or a query) that leaves the state as it was: a self-loop.
                }

                var nextTargets = GhostTargets.Next(profile, targets, state, next, op, result);
                if (!visited.Add(StateKey.Of(next, nextTargets)))
                {
                    continue;
                }

                var nextIndex = parent.Count;
                parent.Add(index);
                via.Add(op);
                Judge(next, nextTargets, nextIndex);
                queue.Enqueue((next, nextTargets, nextIndex, level + 1));
                if (visited.Count >= limits.MaxStates)
                {
                    incomplete = StateLimit(limits);
                    break;
                }
            }
        }

        var paths = firstViolation.ToDictionary(p => p.Key, p => (Path(parent, i => via[i]!, p.Value.Index), p.Value.Detail));
        return Finish(profile, bound, stopwatch, visited.Count, transitions, depth, paths, incomplete, crossCheck: false);
    }

    /// <summary>
    /// The packed engine: the same breadth-first search over rows of a <see cref="PackedLayout"/>, level by level. A
    /// level's rows sit in one buffer, the next level's in another; only the visited keys, each state's parent and the
    /// operation that reached it outlive a level (about 30 bytes a state), so the frontier bounds the memory.
    /// </summary>
    /// <remarks>
    /// Each level runs in three phases, so that any number of threads finds exactly what one thread finds, in the same
    /// order. Expand (parallel): every worker steps a contiguous slice of the level through the whole alphabet and keeps
    /// the successors whose keys the visited set did not hold when the level began. Merge (one thread): the workers'
    /// successors, slice after slice, go into the visited set; the first occurrence of a key becomes the next state
    /// index, exactly as a single queue would number it. Judge (parallel): the new level's states are judged in slices,
    /// and per property the lowest index wins. The visited set is only read while workers run and only written while
    /// none does.
    /// </remarks>
    private static SpecCheckResult CheckPacked(Profile profile, SpecBound bound, SpecCheckLimits limits)
    {
        var stopwatch = Stopwatch.StartNew();
        var alphabet = new SpecAlphabet(profile, bound);
        var packed = new PackedSpec(profile, bound, alphabet);
        var layout = packed.Layout;
        var totalPages = bound.Config.TotalPages;
        var init = layout.Encode(Spec.Init(profile, bound.Config), GhostTargets.Initial(bound.MaxDomains));
        var threads = Math.Clamp(limits.Threads ?? Environment.ProcessorCount, 1, SpecCheckLimits.MaxThreads);
        var memoryBytes = limits.MemoryBytes;
        var workers = Enumerable.Range(0, threads).Select(_ => new Worker(layout.Width, bound.MaxDomains)).ToArray();

        var visited = new FingerprintSet();
        var parent = new List<int>();
        var via = new List<int>();
        var firstViolation = new Dictionary<string, (int Index, string Detail)>();
        visited.Add(StateKey.OfRow(init));
        parent.Add(-1);
        via.Add(-1);
        var current = new RowBuffer(layout.Width);
        var next = new RowBuffer(layout.Width);
        var mergeScratch = new int[layout.Width];
        var mergeClaims = new int[bound.MaxDomains + 1];
        current.Append(init);
        JudgeLevel(profile, layout, totalPages, workers, current, 0, firstViolation);

        long transitions = 0;
        var depth = 0;
        var levelStart = 0;
        string? incomplete = null;
        for (var level = 0; current.Count > 0 && !IsHardStop(incomplete); level++)
        {
            depth = level;
            if (level >= limits.MaxDepth)
            {
                incomplete ??= $"depth limit {limits.MaxDepth}";
                break;
            }

            // Expand.
            var slices = current.Count < 4096 ? 1 : threads;
            var level0 = current;
            Parallel.For(0, slices, new ParallelOptions { MaxDegreeOfParallelism = slices },
                w => workers[w].Expand(packed, alphabet, level0, Slice(level0.Count, slices, w), visited, stopwatch, limits.MaxSeconds, memoryBytes));

            // Merge.
            var nextStart = parent.Count;
            for (var w = 0; w < slices && incomplete is null; w++)
            {
                var worker = workers[w];
                transitions += worker.Transitions;
                if (worker.Stopped)
                {
                    incomplete = GC.GetTotalMemory(false) > memoryBytes
                        ? $"memory limit {memoryBytes / (1 << 20)} MiB"
                        : $"time limit {limits.MaxSeconds} s";
                }

                for (var c = 0; c < worker.Candidates.Count; c++)
                {
                    var candidate = worker.Candidates[c];
                    if ((c & 0xFFFF) == 0xFFFF && GC.GetTotalMemory(false) > memoryBytes)
                    {
                        incomplete = $"memory limit {memoryBytes / (1 << 20)} MiB";
                        break;
                    }

                    if (!visited.Add(candidate.Key))
                    {
                        continue;
                    }

                    parent.Add(levelStart + candidate.Parent);
                    via.Add(candidate.OpId);
                    current.Row(candidate.Parent).CopyTo(mergeScratch);
                    packed.Step(mergeScratch, candidate.OpId, mergeClaims); // Stepping again is cheaper than keeping every successor's row.
                    next.Append(mergeScratch);
                    if (visited.Count >= limits.MaxStates)
                    {
                        // A single queue would have stopped right here: count only the transitions it would have tried.
                        transitions -= worker.Transitions - TransitionsThrough(alphabet, layout, current, Slice(current.Count, slices, w).From, candidate);
                        incomplete = StateLimit(limits);
                        break;
                    }
                }
            }

            // Judge.
            JudgeLevel(profile, layout, totalPages, workers, next, nextStart, firstViolation);
            levelStart += current.Count;
            (current, next) = (next, current);
            next.Clear();
        }

        var paths = firstViolation.ToDictionary(p => p.Key, p => (Path(parent, i => alphabet.Operations[via[i]], p.Value.Index), p.Value.Detail));
        return Finish(profile, bound, stopwatch, visited.Count, transitions, depth, paths, incomplete, crossCheck: true);
    }

    /// <summary>Slice <paramref name="w"/> of <paramref name="slices"/> over <paramref name="count"/> items.</summary>
    private static (int From, int To) Slice(int count, int slices, int w) =>
        ((int)((long)count * w / slices), (int)((long)count * (w + 1) / slices));

    /// <summary>The transitions a single queue tries in a slice up to and including <paramref name="candidate"/>'s.</summary>
    private static long TransitionsThrough(SpecAlphabet alphabet, PackedLayout layout, RowBuffer level, int sliceStart, Candidate candidate)
    {
        long count = candidate.Position + 1;
        for (var i = sliceStart; i < candidate.Parent; i++)
        {
            count += alphabet.IdsFor(level.Row(i)[layout.NextDomId]).Length;
        }

        return count;
    }

    /// <summary>Judges a level's new states (indices from <paramref name="firstIndex"/>) in parallel; the lowest index wins.</summary>
    private static void JudgeLevel(
        Profile profile, PackedLayout layout, long totalPages, Worker[] workers, RowBuffer rows, int firstIndex,
        Dictionary<string, (int Index, string Detail)> firstViolation)
    {
        if (rows.Count == 0 || firstViolation.Count == SpecProperties.Ids.Count)
        {
            return; // Nothing new, or every property already has its shortest counterexample.
        }

        var slices = rows.Count < 1024 ? 1 : workers.Length;
        Parallel.For(0, slices, new ParallelOptions { MaxDegreeOfParallelism = slices },
            w => workers[w].Judge(profile, layout, totalPages, rows, Slice(rows.Count, slices, w), firstIndex, firstViolation));

        for (var w = 0; w < slices; w++)
        {
            foreach (var (property, hit) in workers[w].Violations.OrderBy(v => v.Value.Index))
            {
                firstViolation.TryAdd(property, hit);
            }
        }
    }

    /// <summary>A successor an expanding worker found: its key, its parent's position in the level, the operation.</summary>
    private readonly record struct Candidate(UInt128 Key, int Parent, int OpId, int Position);

    /// <summary>One thread's scratch space and findings for a level.</summary>
    [SkipRewriting(SequentialOnly.Reason)]
    private sealed class Worker(int width, int maxDomains)
    {
        public int[] Scratch { get; } = new int[width];

        public int[] ClaimsBefore { get; } = new int[maxDomains + 1];

        public List<Candidate> Candidates { get; } = [];

        public Dictionary<string, (int Index, string Detail)> Violations { get; } = [];

        public long Transitions { get; set; }

        public bool Stopped { get; set; }

        /// <summary>Steps every state of a slice of the level through its alphabet; keeps successors not yet visited.</summary>
        public void Expand(
            PackedSpec packed, SpecAlphabet alphabet, RowBuffer level, (int From, int To) slice, FingerprintSet visited,
            Stopwatch stopwatch, double maxSeconds, long maxMemoryBytes)
        {
            Candidates.Clear();
            Transitions = 0;
            Stopped = false;
            var nextDomId = packed.Layout.NextDomId;
            for (var i = slice.From; i < slice.To; i++)
            {
                if ((i & 0x3FF) == 0 && (stopwatch.Elapsed.TotalSeconds > maxSeconds || GC.GetTotalMemory(false) > maxMemoryBytes))
                {
                    Stopped = true;
                    return;
                }

                var row = level.Row(i);
                var ids = alphabet.IdsFor(row[nextDomId]);
                Transitions += ids.Length;
                for (var k = 0; k < ids.Length; k++)
                {
                    row.CopyTo(Scratch);
                    if (packed.Step(Scratch, ids[k], ClaimsBefore) == PackedStepResult.Unchanged)
                    {
                        continue; // A refusal (or a query): a self-loop.
                    }

                    var key = StateKey.OfRow(Scratch);
                    if (!visited.Contains(key))
                    {
                        Candidates.Add(new Candidate(key, i, ids[k], k));
                    }
                }
            }
        }

        /// <summary>Judges a slice of a level's new states; per property, the first (lowest index) violation.</summary>
        public void Judge(
            Profile profile, PackedLayout layout, long totalPages, RowBuffer rows, (int From, int To) slice, int firstIndex,
            Dictionary<string, (int Index, string Detail)> known)
        {
            Violations.Clear();
            for (var i = slice.From; i < slice.To && Violations.Count + known.Count < SpecProperties.Ids.Count; i++)
            {
                var snapshot = layout.ToSnapshot(profile, rows.Row(i), totalPages);
                foreach (var (property, detail) in SpecProperties.Violations(profile, snapshot, p => known.ContainsKey(p) || Violations.ContainsKey(p)))
                {
                    Violations.Add(property, (firstIndex + i, detail));
                }
            }
        }
    }

    private static string StateLimit(SpecCheckLimits limits) => $"state limit {limits.MaxStates}";

    /// <summary>A state or time limit stops the search; a depth limit only stops going deeper.</summary>
    private static bool IsHardStop(string? incomplete) => incomplete is not null && !incomplete.StartsWith("depth", StringComparison.Ordinal);

    private static SpecCheckResult Finish(
        Profile profile, SpecBound bound, Stopwatch stopwatch, long states, long transitions, int depth,
        Dictionary<string, (List<Operation> Path, string Detail)> found, string? incomplete, bool crossCheck)
    {
        var violations = SpecProperties.Ids
            .Where(found.ContainsKey)
            .Select(p => Counterexample(profile, bound, p, found[p].Detail, found[p].Path, crossCheck))
            .ToArray();
        stopwatch.Stop();
        var status = incomplete is not null ? SpecCheckStatus.Incomplete
            : violations.Length > 0 ? SpecCheckStatus.Violates
            : SpecCheckStatus.Holds;
        return new SpecCheckResult(profile.Name, bound, status, states, transitions, depth, stopwatch.Elapsed, violations, incomplete);
    }

    /// <summary>The operations a state of this bound can take (exposed for the vector generator and for tests).</summary>
    public static IReadOnlyList<Operation> AlphabetFor(Profile profile, SpecBound bound, SpecState state) =>
        new SpecAlphabet(profile, bound).For(state);

    /// <summary>Replays <paramref name="operations"/> and renders them as a timeline.</summary>
    public static IReadOnlyList<SpecTraceStep> Timeline(Profile profile, HostConfig config, IEnumerable<Operation> operations)
    {
        ArgumentNullException.ThrowIfNull(operations);
        var state = Spec.Init(profile, config);
        var steps = new List<SpecTraceStep>();
        foreach (var op in operations)
        {
            (var result, state) = Spec.Step(profile, state, op);
            steps.Add(new SpecTraceStep(steps.Count + 1, op.Describe(), result.ToString(), Counters(profile, state)));
        }

        return steps;
    }

    /// <summary>The counters of a state on one line: free, outstanding, offlined, shared, Xen heap, each domain.</summary>
    public static string Counters(Profile profile, SpecState state)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(state);
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"free={state.TotalFree}");
        if (state.NodeCount > 1)
        {
            text.Append(CultureInfo.InvariantCulture, $"{state.Free}");
        }

        text.Append(CultureInfo.InvariantCulture, $" outstanding={state.Outstanding}");
        if (!state.NodeOutstanding.IsZero)
        {
            text.Append(CultureInfo.InvariantCulture, $"{state.NodeOutstanding}");
        }

        if (state.Offlined != 0)
        {
            text.Append(CultureInfo.InvariantCulture, $" offlined={state.Offlined}");
        }

        if (state.Shared != 0)
        {
            text.Append(CultureInfo.InvariantCulture, $" shared={state.Shared}");
        }

        if (state.XenHeap.Sum != 0)
        {
            text.Append(CultureInfo.InvariantCulture, $" xenheap={state.XenHeap.Sum}");
        }

        if (state.TmemFreeable != 0)
        {
            text.Append(CultureInfo.InvariantCulture, $" tmem={state.TmemFreeable}");
        }

        foreach (var d in state.Domains.Values)
        {
            text.Append(CultureInfo.InvariantCulture,
                $" | d{d.Id} {d.State.ToString().ToLowerInvariant()} tot={Spec.DomainTot(profile, d)}");
            if (d.Extra != 0)
            {
                text.Append(CultureInfo.InvariantCulture, $" extra={d.Extra}");
            }

            text.Append(CultureInfo.InvariantCulture, $" max={d.Max} claim={d.Claim}");
            if (!d.NodeClaims.IsZero)
            {
                text.Append(CultureInfo.InvariantCulture, $"{d.NodeClaims}");
            }
        }

        return text.ToString();
    }

    private static List<Operation> Path(List<int> parent, Func<int, Operation> via, int index)
    {
        var path = new List<Operation>();
        for (var i = index; i > 0; i = parent[i])
        {
            path.Add(via(i));
        }

        path.Reverse();
        return path;
    }

    /// <summary>
    /// The counterexample's timeline, replayed through the record form of the specification. With
    /// <paramref name="crossCheck"/> (the packed engine's paths) the replayed state must violate the property too, with
    /// the same detail: a disagreement is a defect of the packed engine, never a result.
    /// </summary>
    private static SpecCounterexample Counterexample(
        Profile profile, SpecBound bound, string property, string detail, List<Operation> path, bool crossCheck)
    {
        if (crossCheck)
        {
            var state = Spec.Init(profile, bound.Config);
            var targets = GhostTargets.Initial(bound.MaxDomains);
            foreach (var op in path)
            {
                var (result, next) = Spec.Step(profile, state, op);
                targets = GhostTargets.Next(profile, targets, state, next, op, result);
                state = next;
            }

            var replayed = SpecProperties.Violations(profile, state, targets);
            if (!replayed.Contains((property, detail)))
            {
                throw new InvalidOperationException(
                    $"the packed engine found [{property}] {detail} after {string.Join("; ", path)}, but the specification's records "
                    + $"show {(replayed.Count == 0 ? "no violation" : string.Join(", ", replayed.Select(v => $"[{v.Property}] {v.Detail}")))}");
            }
        }

        return new SpecCounterexample(property, detail, Timeline(profile, bound.Config, path));
    }

    /// <summary>
    /// A level of the packed search: rows appended in order, in chunks of 16,384 rows so that no array grows past
    /// what the runtime allows however wide the frontier is.
    /// </summary>
    [SkipRewriting(SequentialOnly.Reason)]
    private sealed class RowBuffer(int width)
    {
        private const int RowsPerChunk = 1 << 14;
        private readonly List<int[]> chunks = [];

        public int Count { get; private set; }

        public void Append(ReadOnlySpan<int> row)
        {
            var chunk = Count / RowsPerChunk;
            if (chunk == chunks.Count)
            {
                chunks.Add(new int[RowsPerChunk * width]);
            }

            row.CopyTo(chunks[chunk].AsSpan(Count % RowsPerChunk * width, width));
            Count++;
        }

        public Span<int> Row(int index) => chunks[index / RowsPerChunk].AsSpan(index % RowsPerChunk * width, width);

        /// <summary>Empties the buffer and keeps its chunks for the next level.</summary>
        public void Clear() => Count = 0;
    }
}
