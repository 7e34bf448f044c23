using Microsoft.Coyote.Rewriting;
using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using ClaimVerified.Profiles;
using ClaimVerified.Specification;
using ClaimVerified.Specification.Properties;

namespace ClaimVerified.Model.Exhaustive;

/// <summary>Hard limits of a check: beyond them the verdict is "incomplete".</summary>
/// <remarks><see cref="Threads"/> (the packed engine's worker threads; null: one per core) changes how fast, never what;
/// <see cref="BlockStates"/> (how many states of a level the packed engine expands before it merges their successors)
/// changes how much memory, never what.</remarks>
/// <param name="Cancellation">An interrupt (Ctrl-C in spec-check): the search stops "incomplete (interrupted)" and still
/// reports the shortest counterexamples it found so far.</param>
/// <param name="Progress">Told where the search is every <paramref name="ProgressSeconds"/> (spec-check prints it).</param>
public sealed record SpecCheckLimits(
    long MaxStates = 2_000_000, double MaxSeconds = 60, int MaxDepth = int.MaxValue, int? Threads = null, long? MaxMemoryBytes = null,
    CancellationToken Cancellation = default, Action<SpecCheckProgress>? Progress = null, double ProgressSeconds = 2,
    int BlockStates = 1 << 20)
{
    public const string Interrupted = "interrupted";

    public const int MaxThreads = 64;

    /// <summary>The managed heap the packed engine may grow to before it stops (incomplete) rather than be killed:
    /// <see cref="MaxMemoryBytes"/>, or 60% of the memory the runtime sees.</summary>
    public long MemoryBytes => MaxMemoryBytes ?? (long)(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes * 0.6);

    public static SpecCheckLimits Default { get; } = new();
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
public static partial class SpecChecker
{
    /// <param name="symmetry">Reduce by domain symmetry (<see cref="DomainSymmetry"/>; the packed engine only): the
    /// search walks orbits, reports them as its states and the states they stand for as
    /// <see cref="SpecCheckResult.StatesWithSymmetryOff"/>. Refused where the profile picks domains by id.</param>
    public static SpecCheckResult Check(
        Profile profile, SpecBound bound, SpecCheckLimits? limits = null, SpecEngine engine = SpecEngine.Packed, bool symmetry = false)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(bound);
        limits ??= SpecCheckLimits.Default;
        var refusal = !symmetry ? null
            : engine != SpecEngine.Packed ? "symmetry reduction is the packed engine's"
            : DomainSymmetry.Refusal(profile, bound);
        if (refusal is not null)
        {
            throw new ArgumentException(refusal, nameof(symmetry));
        }

        return engine == SpecEngine.Packed ? CheckPacked(profile, bound, limits, symmetry) : CheckRecords(profile, bound, limits);
    }

    /// <summary>How a counterexample replayed through the record form must agree with what the search found.</summary>
    private enum CrossCheck
    {
        /// <summary>The record engine's own paths: nothing to compare.</summary>
        None,

        /// <summary>The same property with the same detail (the packed engine's paths).</summary>
        SameDetail,

        /// <summary>The same property (a path found through canonical rows: its detail named their domids, not these).</summary>
        SameProperty,
    }

    /// <summary>The record engine: <see cref="Spec.Step"/> on immutable records, one queue.</summary>
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
        visited.Add(StateKey.Of(init, initTargets));
        parent.Add(-1);
        via.Add(null);
        Judge(profile, init, initTargets, 0, firstViolation);
        queue.Enqueue((init, initTargets, 0, 0));
        long transitions = 0;
        var depth = 0;
        string? incomplete = null;
        using var ticker = new ProgressTicker(limits, () => new SpecCheckProgress(depth, visited.Count, transitions, stopwatch.Elapsed.TotalSeconds, GC.GetTotalMemory(false)));
        while (queue.Count > 0 && !IsHardStop(incomplete))
        {
            var (state, targets, index, level) = queue.Dequeue();
            depth = Math.Max(depth, level);
            if (level >= limits.MaxDepth)
            {
                incomplete ??= $"depth limit {limits.MaxDepth}";
                continue;
            }

            if ((index & 0x3FF) == 0 && (stopwatch.Elapsed.TotalSeconds > limits.MaxSeconds || limits.Cancellation.IsCancellationRequested))
            {
                incomplete = limits.Cancellation.IsCancellationRequested ? SpecCheckLimits.Interrupted : $"time limit {limits.MaxSeconds} s";
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
                Judge(profile, next, nextTargets, nextIndex, firstViolation);
                queue.Enqueue((next, nextTargets, nextIndex, level + 1));
                if (visited.Count >= limits.MaxStates)
                {
                    incomplete = StateLimit(limits);
                    break;
                }
            }
        }

        var paths = firstViolation.ToDictionary(p => p.Key, p => (Path(parent, i => via[i]!, p.Value.Index), p.Value.Detail));
        return Finish(profile, bound, stopwatch, visited.Count, transitions, depth, paths, incomplete, CrossCheck.None);
    }

    /// <summary>Keeps, per property, the first state found violating it.</summary>
    private static void Judge(
        Profile profile, SpecState state, long[] targets, int index, Dictionary<string, (int Index, string Detail)> firstViolation)
    {
        var snapshot = SpecProperties.ToSnapshot(profile, state, targets);
        foreach (var (property, detail) in SpecProperties.Violations(profile, snapshot, firstViolation.ContainsKey))
        {
            firstViolation.TryAdd(property, (index, detail));
        }
    }

    private static string StateLimit(SpecCheckLimits limits) => $"state limit {limits.MaxStates}";

    /// <summary>A state or time limit stops the search; a depth limit only stops going deeper.</summary>
    private static bool IsHardStop(string? incomplete) => incomplete is not null && !incomplete.StartsWith("depth", StringComparison.Ordinal);

    private static SpecCheckResult Finish(
        Profile profile, SpecBound bound, Stopwatch stopwatch, long states, long transitions, int depth,
        Dictionary<string, (List<Operation> Path, string Detail)> found, string? incomplete, CrossCheck crossCheck)
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

    private static List<T> Path<T>(List<int> parent, Func<int, T> via, int index)
    {
        var path = new List<T>();
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
    /// the same detail (or, through canonical rows, the same property, whose detail the replay gives): a disagreement is
    /// a defect of the packed engine, never a result.
    /// </summary>
    private static SpecCounterexample Counterexample(
        Profile profile, SpecBound bound, string property, string detail, List<Operation> path, CrossCheck crossCheck)
    {
        if (crossCheck != CrossCheck.None)
        {
            var state = Spec.Init(profile, bound.Config);
            var targets = GhostTargets.Initial(bound.MaxDomains);
            foreach (var op in path)
            {
                var (result, next) = Spec.Step(profile, state, op);
                targets = GhostTargets.Next(profile, targets, state, next, op, result);
                state = next;
            }

            var found = new PropertyViolation(property, detail);
            var replayed = SpecProperties.Violations(profile, state, targets);
            if (crossCheck == CrossCheck.SameProperty && replayed.FirstOrDefault(v => v.Property == property) is { } same)
            {
                detail = same.Detail;
            }
            else if (!replayed.Contains(found))
            {
                throw new InvalidOperationException(
                    $"the packed engine found {found} after {string.Join("; ", path)}, but the specification's records "
                    + $"show {(replayed.Count == 0 ? "no violation" : string.Join(", ", replayed))}");
            }
        }

        return new SpecCounterexample(property, detail, Timeline(profile, bound.Config, path));
    }
}
