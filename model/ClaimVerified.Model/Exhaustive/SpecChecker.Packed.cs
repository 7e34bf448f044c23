using Microsoft.Coyote.Rewriting;
using System.Diagnostics;
using ClaimVerified.Profiles;
using ClaimVerified.Specification;
using ClaimVerified.Specification.Properties;

namespace ClaimVerified.Model.Exhaustive;

/// <summary>The packed engine's search: levels of rows, expanded and judged on every core, merged as one queue would.</summary>
public static partial class SpecChecker
{
    private static SpecCheckResult CheckPacked(Profile profile, SpecBound bound, SpecCheckLimits limits) =>
        new PackedSearch(profile, bound, limits).Run();

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
    [SkipRewriting(SequentialOnly.Reason)]
    private sealed class PackedSearch
    {
        private readonly Stopwatch stopwatch = Stopwatch.StartNew();
        private readonly Profile profile;
        private readonly SpecBound bound;
        private readonly SpecCheckLimits limits;
        private readonly SpecAlphabet alphabet;
        private readonly PackedSpec packed;
        private readonly PackedLayout layout;
        private readonly long totalPages;
        private readonly int threads;
        private readonly long memoryBytes;
        private readonly Worker[] workers;
        private readonly FingerprintSet visited = new();
        private readonly List<int> parent = [];
        private readonly List<int> via = [];
        private readonly Dictionary<string, (int Index, string Detail)> firstViolation = [];
        private readonly int[] mergeScratch;
        private readonly int[] mergeClaims;
        private RowBuffer current;
        private RowBuffer next;
        private long transitions;
        private int depth;
        private int levelStart;
        private string? incomplete;

        public PackedSearch(Profile profile, SpecBound bound, SpecCheckLimits limits)
        {
            this.profile = profile;
            this.bound = bound;
            this.limits = limits;
            alphabet = new SpecAlphabet(profile, bound);
            packed = new PackedSpec(profile, bound, alphabet);
            layout = packed.Layout;
            totalPages = bound.Config.TotalPages;
            threads = Math.Clamp(limits.Threads ?? Environment.ProcessorCount, 1, SpecCheckLimits.MaxThreads);
            memoryBytes = limits.MemoryBytes;
            workers = Enumerable.Range(0, threads).Select(_ => new Worker(layout.Width, bound.MaxDomains)).ToArray();
            current = new RowBuffer(layout.Width);
            next = new RowBuffer(layout.Width);
            mergeScratch = new int[layout.Width];
            mergeClaims = new int[bound.MaxDomains + 1];
        }

        public SpecCheckResult Run()
        {
            var init = layout.Encode(Spec.Init(profile, bound.Config), GhostTargets.Initial(bound.MaxDomains));
            visited.Add(StateKey.OfRow(init));
            parent.Add(-1);
            via.Add(-1);
            current.Append(init);
            JudgeLevel(profile, layout, totalPages, workers, current, 0, firstViolation);

            using var ticker = new ProgressTicker(limits, () => new SpecCheckProgress(
                depth, visited.Count, Interlocked.Read(ref transitions), stopwatch.Elapsed.TotalSeconds, GC.GetTotalMemory(false)));
            for (var level = 0; current.Count > 0 && !IsHardStop(incomplete); level++)
            {
                depth = level;
                if (limits.Cancellation.IsCancellationRequested)
                {
                    incomplete = SpecCheckLimits.Interrupted;
                    break;
                }

                if (level >= limits.MaxDepth)
                {
                    incomplete ??= $"depth limit {limits.MaxDepth}";
                    break;
                }

                var slices = Expand();
                var nextStart = parent.Count;
                Merge(slices);
                JudgeLevel(profile, layout, totalPages, workers, next, nextStart, firstViolation);
                levelStart += current.Count;
                (current, next) = (next, current);
                next.Clear();
            }

            var paths = firstViolation.ToDictionary(p => p.Key, p => (Path(parent, i => alphabet.Operations[via[i]], p.Value.Index), p.Value.Detail));
            return Finish(profile, bound, stopwatch, visited.Count, transitions, depth, paths, incomplete, crossCheck: true);
        }

        /// <summary>Expands the level in slices, one a worker; returns how many slices.</summary>
        private int Expand()
        {
            var slices = current.Count < 4096 ? 1 : threads;
            var level = current;
            Parallel.For(0, slices, new ParallelOptions { MaxDegreeOfParallelism = slices },
                w => workers[w].Expand(packed, alphabet, level, Slice(level.Count, slices, w), visited, stopwatch, limits, memoryBytes));
            return slices;
        }

        /// <summary>The workers' successors, slice after slice, into the visited set and the next level.</summary>
        private void Merge(int slices)
        {
            for (var w = 0; w < slices && incomplete is null; w++)
            {
                var worker = workers[w];
                transitions += worker.Transitions;
                if (worker.Stopped)
                {
                    incomplete = GC.GetTotalMemory(false) > memoryBytes ? $"memory limit {memoryBytes / (1 << 20)} MiB"
                        : limits.Cancellation.IsCancellationRequested ? SpecCheckLimits.Interrupted
                        : $"time limit {limits.MaxSeconds} s";
                }

                MergeSlice(worker, Slice(current.Count, slices, w).From);
            }
        }

        /// <summary>One worker's successors: the first occurrence of a key becomes the next state index.</summary>
        private void MergeSlice(Worker worker, int sliceStart)
        {
            for (var c = 0; c < worker.Candidates.Count; c++)
            {
                var candidate = worker.Candidates[c];
                if ((c & 0xFFFF) == 0xFFFF && GC.GetTotalMemory(false) > memoryBytes)
                {
                    incomplete = $"memory limit {memoryBytes / (1 << 20)} MiB";
                    return;
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
                    transitions -= worker.Transitions - TransitionsThrough(alphabet, layout, current, sliceStart, candidate);
                    incomplete = StateLimit(limits);
                    return;
                }
            }
        }
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
            Stopwatch stopwatch, SpecCheckLimits limits, long maxMemoryBytes)
        {
            Candidates.Clear();
            Transitions = 0;
            Stopped = false;
            var nextDomId = packed.Layout.NextDomId;
            for (var i = slice.From; i < slice.To; i++)
            {
                if ((i & 0x3FF) == 0 && (stopwatch.Elapsed.TotalSeconds > limits.MaxSeconds || limits.Cancellation.IsCancellationRequested
                    || GC.GetTotalMemory(false) > maxMemoryBytes))
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
