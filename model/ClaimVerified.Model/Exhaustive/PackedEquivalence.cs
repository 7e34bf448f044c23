
using ClaimVerified.Profiles;
using ClaimVerified.Specification;
using ClaimVerified.Specification.Properties;
namespace ClaimVerified.Model.Exhaustive;

/// <summary>
/// Holds the packed engine to the specification: a breadth-first walk of every state the record form
/// (<see cref="Spec.Step"/>) reaches within a bound, and on each state every operation of the alphabet, stepped by
/// both forms. The rows must be equal field for field (ghost targets included) and the operation must succeed in both
/// or in neither. The first disagreement comes back with the path to its state, the operation and the differing fields.
/// </summary>
/// <remarks>
/// <paramref name="packedProfile"/> may differ from the specification's profile only so that a test can show the check
/// catching a deliberately broken engine; every real use passes the same profile twice.
/// </remarks>
public static class PackedEquivalence
{
    /// <summary>What a walk compared.</summary>
    public sealed record Report(long States, long Transitions, string? FirstDifference)
    {
        public bool Equivalent => FirstDifference is null;
    }

    public static Report Compare(Profile profile, SpecBound bound, long maxStates = 500_000, Profile? packedProfile = null)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(bound);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxStates, 1);
        var alphabet = new SpecAlphabet(profile, bound);
        var packed = new PackedSpec(packedProfile ?? profile, bound, alphabet);
        var layout = packed.Layout;
        var init = Spec.Init(profile, bound.Config);
        var visited = new FingerprintSet();
        var states = new List<(SpecState State, long[] Targets, int Parent, int OpId)>();
        var claimsBefore = new int[bound.MaxDomains + 1];
        visited.Add(StateKey.Of(init, GhostTargets.Initial(bound.MaxDomains)));
        states.Add((init, GhostTargets.Initial(bound.MaxDomains), -1, -1));
        long transitions = 0;
        for (var index = 0; index < states.Count; index++)
        {
            var (state, targets, _, _) = states[index];
            var row = layout.Encode(state, targets);
            foreach (var opId in alphabet.IdsFor(state.NextDomId))
            {
                transitions++;
                var op = alphabet.Operations[opId];
                var (result, next) = Spec.Step(profile, state, op);
                var nextTargets = ReferenceEquals(next, state) ? targets : GhostTargets.Next(profile, targets, state, next, op, result);
                var expected = layout.Encode(next, nextTargets);
                var actual = (int[])row.Clone();
                var outcome = packed.Step(actual, opId, claimsBefore);
                if (!expected.AsSpan().SequenceEqual(actual) || result.IsOk != (outcome == PackedStepResult.Ok))
                {
                    return new Report(states.Count, transitions,
                        Describe(layout, alphabet, states, index, op, result, outcome, row, expected, actual));
                }

                if (!ReferenceEquals(next, state) && visited.Add(StateKey.Of(next, nextTargets)) && states.Count < maxStates)
                {
                    states.Add((next, nextTargets, index, opId));
                }
            }
        }

        return new Report(states.Count, transitions, null);
    }

    private static string Describe(
        PackedLayout layout, SpecAlphabet alphabet, List<(SpecState State, long[] Targets, int Parent, int OpId)> states, int index,
        Operation op, Outcome result, PackedStepResult outcome, int[] before, int[] expected, int[] actual)
    {
        var path = new List<string>();
        for (var i = index; states[i].Parent >= 0; i = states[i].Parent)
        {
            path.Add(alphabet.Operations[states[i].OpId].Describe());
        }

        path.Reverse();
        var fields = Enumerable.Range(0, layout.Width)
            .Where(i => expected[i] != actual[i])
            .Select(i => $"{layout.FieldName(i)}: specification {expected[i]}, packed {actual[i]} (before {before[i]})");
        return $"after [{string.Join("; ", path)}], '{op.Describe()}': the specification gives {result}, the packed engine {outcome}"
            + (expected.AsSpan().SequenceEqual(actual) ? "; the states agree" : $"; {string.Join("; ", fields)}");
    }
}
