using Microsoft.Coyote.Rewriting;
using System.Diagnostics;
using ClaimVerified.Profiles;
using ClaimVerified.Specification;
using ClaimVerified.Specification.Properties;

namespace ClaimVerified.Model.Exhaustive;

/// <summary>The packed engine's search: levels of rows, expanded and judged on every core, merged as one queue would.</summary>
public static partial class SpecChecker
{
    private static SpecCheckResult CheckPacked(Profile profile, SpecBound bound, SpecCheckLimits limits, bool symmetry) =>
        new PackedSearch(profile, bound, limits, symmetry).Run();

    /// <summary>
    /// The packed engine: the same breadth-first search over rows of a <see cref="PackedLayout"/>, level by level. A
    /// level's rows sit in one buffer, the next level's in another, both compact (<see cref="CompactRows"/>); only the
    /// visited keys, each state's parent and the operation that reached it outlive a level (about 30 bytes a state).
    /// With symmetry (<see cref="DomainSymmetry"/>) every row is made canonical before its key is taken, so the search
    /// walks orbits, and each new orbit's size is added up: the states the bound has with symmetry off.
    /// </summary>
    /// <remarks>
    /// Each level runs in three phases, so that any number of threads finds exactly what one thread finds, in the same
    /// order. Expand (parallel): every worker steps a contiguous slice of a block of the level (<see cref="SpecCheckLimits.BlockStates"/>
    /// states; small levels are one block) through the whole alphabet and keeps the successors whose keys the visited
    /// set did not hold when the block began. Merge (one thread): the workers'
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
        private readonly DomainSymmetry? symmetry;
        private readonly int[] mergeFrom;
        private CompactRows current;
        private CompactRows next;
        private long transitions;
        private int depth;
        private int levelStart;
        private long statesWithSymmetryOff;
        private string? incomplete;

        public PackedSearch(Profile profile, SpecBound bound, SpecCheckLimits limits, bool symmetric)
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
            symmetry = symmetric ? new DomainSymmetry(layout, alphabet) : null;
            workers = Enumerable.Range(0, threads).Select(_ => new Worker(layout.Width, bound.MaxDomains, symmetry)).ToArray();
            current = new CompactRows(layout.Ceilings(bound));
            next = new CompactRows(layout.Ceilings(bound));
            mergeScratch = new int[layout.Width];
            mergeClaims = new int[bound.MaxDomains + 1];
            mergeFrom = new int[Math.Max(1, bound.MaxDomains)];
        }

        public SpecCheckResult Run()
        {
            var init = layout.Encode(Spec.Init(profile, bound.Config), GhostTargets.Initial(bound.MaxDomains));
            visited.Add(StateKey.OfRow(init));
            parent.Add(-1);
            via.Add(-1);
            statesWithSymmetryOff = 1;
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

                var nextStart = parent.Count;
                // A block's successors are merged before the next block is expanded, in level order, so the numbering
                // is a single queue's still, and the successors held at once (24 bytes each, plus the workers' sets of
                // keys) are a block's, not a whole level's (RESULTS.md §7c).
                var blockStates = Math.Max(1, limits.BlockStates);
                for (var from = 0; from < current.Count && incomplete is null; from += blockStates)
                {
                    var block = (From: from, To: Math.Min(current.Count, from + blockStates));
                    Merge(Expand(block), block);
                }

                JudgeLevel(profile, layout, totalPages, workers, next, nextStart, firstViolation);
                levelStart += current.Count;
                (current, next) = (next, current);
                next.Clear();
            }

            var paths = firstViolation.ToDictionary(p => p.Key, p => (Concrete(Path(parent, i => via[i], p.Value.Index)), p.Value.Detail));
            return Finish(profile, bound, stopwatch, visited.Count, transitions, depth, paths, incomplete,
                symmetry is null ? CrossCheck.SameDetail : CrossCheck.SameProperty) with
            {
                StatesWithSymmetryOff = symmetry is null ? null : statesWithSymmetryOff,
            };
        }

        /// <summary>
        /// A path's operations as they apply from the fresh host. Without symmetry they are the path's own. With it,
        /// each was taken from a canonical row, so it is renamed onto the concrete row that row stands for: the domain
        /// that sorted into its domid there.
        /// </summary>
        private List<Operation> Concrete(List<int> path)
        {
            if (symmetry is null)
            {
                return path.Select(id => alphabet.Operations[id]).ToList();
            }

            var row = layout.Encode(Spec.Init(profile, bound.Config), GhostTargets.Initial(bound.MaxDomains));
            var sorted = new int[row.Length];
            var operations = new List<Operation>(path.Count);
            foreach (var id in path)
            {
                row.CopyTo(sorted, 0);
                symmetry.Canonicalize(sorted, mergeFrom);
                var concrete = symmetry.Concrete(id, mergeFrom);
                packed.Step(row, concrete, mergeClaims);
                operations.Add(alphabet.Operations[concrete]);
            }

            return operations;
        }

        /// <summary>Expands a block of the level in slices, one a worker; returns how many slices.</summary>
        private int Expand((int From, int To) block)
        {
            var count = block.To - block.From;
            var slices = count < 4096 ? 1 : threads;
            var level = current;
            Parallel.For(0, slices, new ParallelOptions { MaxDegreeOfParallelism = slices }, w =>
            {
                var slice = Slice(count, slices, w);
                workers[w].Expand(packed, alphabet, level, (block.From + slice.From, block.From + slice.To), visited, stopwatch, limits, memoryBytes);
            });
            return slices;
        }

        /// <summary>The workers' successors of a block, slice after slice, into the visited set and the next level.</summary>
        private void Merge(int slices, (int From, int To) block)
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

                MergeSlice(worker, block.From + Slice(block.To - block.From, slices, w).From);
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
                current.Read(candidate.Parent, mergeScratch);
                packed.Step(mergeScratch, candidate.OpId, mergeClaims); // Stepping again is cheaper than keeping every successor's row.
                if (symmetry is not null)
                {
                    symmetry.Canonicalize(mergeScratch, mergeFrom);
                    statesWithSymmetryOff += symmetry.OrbitSize(mergeScratch);
                }

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
    private static long TransitionsThrough(SpecAlphabet alphabet, PackedLayout layout, CompactRows level, int sliceStart, Candidate candidate)
    {
        long count = alphabet.IdsFor(level.Field(candidate.Parent, layout.NextDomId)).IndexOf(candidate.OpId) + 1;
        for (var i = sliceStart; i < candidate.Parent; i++)
        {
            count += alphabet.IdsFor(level.Field(i, layout.NextDomId)).Length;
        }

        return count;
    }

    /// <summary>Judges a level's new states (indices from <paramref name="firstIndex"/>) in parallel; the lowest index wins.</summary>
    private static void JudgeLevel(
        Profile profile, PackedLayout layout, long totalPages, Worker[] workers, CompactRows rows, int firstIndex,
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

    /// <summary>
    /// A successor an expanding worker found: its key (as two words: a UInt128 field would align the struct to 16 bytes
    /// and make it 32), its parent's position in the level and the operation. 24 bytes: a level's candidates are the
    /// largest buffer of a big search.
    /// </summary>
    private readonly record struct Candidate(ulong KeyLow, ulong KeyHigh, int Parent, int OpId)
    {
        public UInt128 Key => new(KeyHigh, KeyLow);
    }

    /// <summary>One thread's scratch space and findings for a level.</summary>
    [SkipRewriting(SequentialOnly.Reason)]
    private sealed class Worker(int width, int maxDomains, DomainSymmetry? symmetry)
    {
        public int[] Scratch { get; } = new int[width];

        /// <summary>The row being expanded or judged, read out of its compact level.</summary>
        public int[] Row { get; } = new int[width];

        public int[] From { get; } = new int[Math.Max(1, maxDomains)];

        public int[] ClaimsBefore { get; } = new int[maxDomains + 1];

        public List<Candidate> Candidates { get; } = [];

        /// <summary>
        /// The keys this worker has kept this level: a successor reached again from another state of the same slice is
        /// not kept twice. The merge keeps a key's first occurrence anyway, and this one comes first in the slice, so
        /// the numbering is the same; what changes is the memory, since most of a level's successors are repeats.
        /// </summary>
        private FingerprintSet Kept { get; } = new();

        public Dictionary<string, (int Index, string Detail)> Violations { get; } = [];

        public long Transitions { get; set; }

        public bool Stopped { get; set; }

        /// <summary>Steps every state of a slice of the level through its alphabet; keeps successors not yet visited.</summary>
        public void Expand(
            PackedSpec packed, SpecAlphabet alphabet, CompactRows level, (int From, int To) slice, FingerprintSet visited,
            Stopwatch stopwatch, SpecCheckLimits limits, long maxMemoryBytes)
        {
            Candidates.Clear();
            Kept.Clear();
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

                level.Read(i, Row);
                var ids = alphabet.IdsFor(Row[nextDomId]);
                Transitions += ids.Length;
                for (var k = 0; k < ids.Length; k++)
                {
                    Row.CopyTo(Scratch, 0);
                    if (packed.Step(Scratch, ids[k], ClaimsBefore) == PackedStepResult.Unchanged)
                    {
                        continue; // A refusal (or a query): a self-loop.
                    }

                    symmetry?.Canonicalize(Scratch, From);
                    var key = StateKey.OfRow(Scratch);
                    if (!visited.Contains(key) && Kept.Add(key))
                    {
                        Candidates.Add(new Candidate((ulong)key, (ulong)(key >> 64), i, ids[k]));
                    }
                }
            }
        }

        /// <summary>Judges a slice of a level's new states; per property, the first (lowest index) violation.</summary>
        public void Judge(
            Profile profile, PackedLayout layout, long totalPages, CompactRows rows, (int From, int To) slice, int firstIndex,
            Dictionary<string, (int Index, string Detail)> known)
        {
            Violations.Clear();
            for (var i = slice.From; i < slice.To && Violations.Count + known.Count < SpecProperties.Ids.Count; i++)
            {
                rows.Read(i, Row);
                var snapshot = layout.ToSnapshot(profile, Row, totalPages);
                foreach (var (property, detail) in SpecProperties.Violations(profile, snapshot, p => known.ContainsKey(p) || Violations.ContainsKey(p)))
                {
                    Violations.Add(property, (firstIndex + i, detail));
                }
            }
        }
    }
}
