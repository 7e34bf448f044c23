using System.Text;
using ClaimVerified.Specification;

namespace ClaimVerified.Model.Protocol;

/// <summary>
/// The second phase: random sequences of calls (<see cref="RandomCalls"/>), one client, each call's answer compared
/// with the specification's step (the result, the value, a query's every counter), and after the last call every host
/// counter (an audit) and every domain's getdomaininfo. At the first sequence that differs the phase shrinks it: it
/// drops runs of calls, halving their length down to one, while the rest still differs, and reports the shortest
/// sequence with the answers of both sides.
/// </summary>
public static class SequentialPhase
{
    /// <summary>A limit on everything: the shrinking replays at most this many candidate sequences.</summary>
    public const int MaxShrinkRuns = 400;

    public static PhaseReport Run(ProtocolSession session, ImplementationCheckOptions options)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(options);
        for (var s = 0; s < options.Sequences; s++)
        {
            var calls = Draw(options, s);
            if (Replay(session, options, calls) is not null)
            {
                var (shortest, difference, runs) = Shrink(session, options, calls);
                return new PhaseReport(CheckPhase.Sequential, PhaseVerdict.Failed,
                    $"sequence {s + 1} of {options.Sequences} differs from the specification; shrunk from {calls.Count} to {shortest.Count} calls in {runs} replays",
                    Render(shortest, difference));
            }
        }

        return new PhaseReport(CheckPhase.Sequential, PhaseVerdict.Passed,
            $"{options.Sequences} sequences of {options.SequenceOps} calls (seed {options.Seed}) on {options.RandomHost.NodeCount}x{options.RandomHost.PagesPerNode} pages: every answer as the specification's");
    }

    /// <summary>Sequence <paramref name="index"/>'s calls: drawn while stepping the specification, so that they name domains that exist.</summary>
    public static IReadOnlyList<Operation> Draw(ImplementationCheckOptions options, int index)
    {
        ArgumentNullException.ThrowIfNull(options);
        var random = new RandomCalls(Mix(options.Seed, (ulong)index), options.Profile, options.RandomHost);
        var state = Spec.Init(options.Profile, options.RandomHost);
        var calls = new List<Operation>();
        var created = 0;
        for (var i = 0; i < options.SequenceOps; i++)
        {
            var call = random.Next(created);
            Outcome result;
            (result, state) = Spec.Step(options.Profile, state, call);
            created += call is CreateDomain && result.IsOk ? 1 : 0;
            calls.Add(call);
        }

        return calls;
    }

    /// <summary>A seed for run <paramref name="index"/> of a check with seed <paramref name="seed"/> (SplitMix64's finaliser).</summary>
    public static ulong Mix(ulong seed, ulong index)
    {
        var z = seed + ((index + 1) * 0x9E3779B97F4A7C15UL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>One difference: the call (its index, or -1 for the final reads), what the implementation and the specification gave.</summary>
    public sealed record Difference(int Index, string What, string Implementation, string Specification);

    /// <summary>Runs <paramref name="calls"/> on a fresh host; the first difference, or null.</summary>
    public static Difference? Replay(ProtocolSession session, ImplementationCheckOptions options, IReadOnlyList<Operation> calls)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(calls);
        var profile = options.Profile;
        session.Reset(options.RandomHost);
        var state = Spec.Init(profile, options.RandomHost);
        for (var i = 0; i < calls.Count; i++)
        {
            var answer = session.Call(0, calls[i]);
            (var result, state) = Spec.Step(profile, state, calls[i]);
            var got = ProtocolSession.OutcomeOf(calls[i], answer);
            var shown = Observations.Differences(answer.Counters, result.IsOk ? Observations.Of(profile, state, calls[i]) : Observations.NoCounters);
            if (got != result || shown.Count > 0)
            {
                return new Difference(i, calls[i].Describe(), Show(got, answer.Counters), Show(result, result.IsOk ? Observations.Of(profile, state, calls[i]) : Observations.NoCounters));
            }
        }

        return FinalReads(session, profile, state);
    }

    /// <summary>After the last call: every host counter, then every domain's getdomaininfo.</summary>
    private static Difference? FinalReads(ProtocolSession session, ClaimVerified.Profiles.Profile profile, SpecState state)
    {
        var audit = session.Audit();
        var wanted = Observations.Audit(state);
        if (Observations.Differences(audit, wanted) is { Count: > 0 } hosts)
        {
            return new Difference(-1, "audit after the last call", string.Join("; ", hosts), Show(Outcome.Ok(), wanted));
        }

        for (var domid = 1; domid <= RandomCalls.DomIds; domid++)
        {
            var call = new GetDomainInfo(domid);
            var answer = session.Call(0, call);
            var (result, _) = Spec.Step(profile, state, call);
            var want = result.IsOk ? Observations.Of(profile, state, call) : Observations.NoCounters;
            if (ProtocolSession.OutcomeOf(call, answer) != result || Observations.Differences(answer.Counters, want).Count > 0)
            {
                return new Difference(-1, $"{call.Describe()} after the last call", Show(answer.Outcome, answer.Counters), Show(result, want));
            }
        }

        return null;
    }

    private static (IReadOnlyList<Operation> Calls, Difference Difference, int Runs) Shrink(
        ProtocolSession session, ImplementationCheckOptions options, IReadOnlyList<Operation> calls)
    {
        var current = calls.ToList();
        var difference = Replay(session, options, current)!;
        var runs = 1;
        for (var chunk = Math.Max(1, current.Count / 2); chunk >= 1 && runs < MaxShrinkRuns; chunk /= 2)
        {
            for (var start = 0; start < current.Count && runs < MaxShrinkRuns;)
            {
                var candidate = current.Take(start).Concat(current.Skip(start + chunk)).ToList();
                runs++;
                if (candidate.Count > 0 && Replay(session, options, candidate) is { } still)
                {
                    (current, difference) = (candidate, still);
                }
                else
                {
                    start += chunk;
                }
            }
        }

        return (current, difference, runs);
    }

    private static string Show(Outcome outcome, IReadOnlyDictionary<string, string> counters) =>
        outcome + (counters.Count == 0 ? "" : " " + string.Join(" ", counters.Select(c => $"{c.Key}={c.Value}")));

    private static string Render(IReadOnlyList<Operation> calls, Difference difference)
    {
        var text = new StringBuilder();
        for (var i = 0; i < calls.Count; i++)
        {
            text.AppendLine($"{i + 1,3}. {calls[i].Describe()}{(i == difference.Index ? "    <- differs" : "")}");
        }

        text.AppendLine($"at {(difference.Index < 0 ? difference.What : $"call {difference.Index + 1}")}:");
        text.AppendLine($"  implementation: {difference.Implementation}");
        text.Append($"  specification:  {difference.Specification}");
        return text.ToString();
    }
}
