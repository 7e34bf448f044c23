using System.Diagnostics;
using ClaimVerified.Profiles;
using ClaimVerified.Specification;
using ClaimVerified.Specification.Properties;

namespace ClaimVerified.Model.Exhaustive;

/// <summary>The record engine: <see cref="Spec.Step"/> on immutable records, one queue.</summary>
public static partial class SpecChecker
{
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
        return Finish(profile, bound, stopwatch, visited.Count, transitions, depth, paths, incomplete, crossCheck: false);
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
}
