using ClaimVerified.Model.Linearizability;
using ClaimVerified.Model.Manifest;
using ClaimVerified.Model.Workloads;
using ClaimVerified.Specification;

namespace ClaimVerified.Model.Protocol;

/// <summary>
/// The third phase: histories of several clients at once, each client a thread that sends its next call as soon as
/// the last one is answered, so calls of different clients overlap inside the implementation. Each call is recorded
/// with a step before it is sent and one after its answer came (so its interval holds the real one: the check can
/// only be lenient, never raise a false alarm). After the clients, one more client reads physinfo and every domain's
/// getdomaininfo. The history must be linearizable against the specification, every query's counters included
/// (<see cref="LinearizabilityChecker"/>); on a profile whose design the linearizability manifest records as not
/// linearizable, a non-linearizable history is reported as that known finding, not as a failure.
/// </summary>
public static class ConcurrentPhase
{
    /// <summary>A HostSnapshot for history entries: the protocol shows no ghost state (the linearizability check does not read it).</summary>
    private static readonly HostSnapshot NoSnapshot = new(string.Empty, 0, 0, [], 0, [], 0, 0, 0, [], []);

    public static PhaseReport Run(ProtocolSession session, ImplementationCheckOptions options)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(options);
        var known = KnownNonLinearizable(options.Profile.Name);
        var unknown = 0;
        for (var h = 0; h < options.Histories; h++)
        {
            var (history, counters) = Record(session, options, h);
            var result = LinearizabilityChecker.Check(options.Profile, options.RandomHost, history, sees: (entry, state) =>
                entry.Call is null || !counters.TryGetValue(entry.Index, out var shown)
                || Observations.Differences(shown, Observations.Of(options.Profile, state, entry.Call)).Count == 0);
            if (result.Status == LinearizabilityStatus.Unknown)
            {
                unknown++;
                continue;
            }

            if (result.Status == LinearizabilityStatus.NotLinearizable)
            {
                var where = $"history {h + 1} of {options.Histories} ({options.Clients} clients x {options.Ops} calls, seed {options.Seed}) is not linearizable";
                return known is null
                    ? new PhaseReport(CheckPhase.Concurrent, PhaseVerdict.Failed, where, result.Render())
                    : new PhaseReport(CheckPhase.Concurrent, PhaseVerdict.KnownNonLinearizable,
                        $"{where}, as the linearizability manifest records for {options.Profile.Name} ({known})", result.Render());
            }
        }

        var decided = options.Histories - unknown;
        return decided == 0 && options.Histories > 0
            ? new PhaseReport(CheckPhase.Concurrent, PhaseVerdict.Failed,
                $"none of {options.Histories} histories could be decided within the checker's budget: use fewer --clients or --ops")
            : new PhaseReport(CheckPhase.Concurrent, PhaseVerdict.Passed,
                $"{decided} histories of {options.Clients} clients x {options.Ops} calls (seed {options.Seed}) linearizable"
                + (unknown == 0 ? "" : $"; {unknown} undecided within the checker's budget"));
    }

    /// <summary>The findings the linearizability manifest records for <paramref name="profile"/>, or null when it records none.</summary>
    public static string? KnownNonLinearizable(string profile)
    {
        var findings = LinearizabilityResults.Load().Results.Where(r => r.Profile == profile && !r.Linearizable)
            .Select(r => r.Finding!).Distinct().Order(StringComparer.Ordinal).ToArray();
        return findings.Length == 0 ? null : string.Join(", ", findings);
    }

    /// <summary>One history: the clients' calls and answers, and each query's counters by entry index.</summary>
    private static (IReadOnlyList<HistoryEntry> History, IReadOnlyDictionary<int, IReadOnlyDictionary<string, string>> Counters) Record(
        ProtocolSession session, ImplementationCheckOptions options, int index)
    {
        session.Reset(options.RandomHost);
        var recorder = new Recorder();
        var clients = Enumerable.Range(0, options.Clients).Select(c => Calls(options, index, c)).ToArray();
        var tasks = clients.Select((calls, c) => Task.Run(async () =>
        {
            foreach (var call in calls)
            {
                var called = recorder.Step();
                var answer = await session.CallAsync(c + 1, call).ConfigureAwait(false);
                recorder.Add(c + 1, call, called, answer);
            }
        })).ToArray();
        try
        {
            Task.WaitAll(tasks);
        }
        catch (AggregateException e) when (e.InnerExceptions.OfType<ImplementationFailure>().FirstOrDefault() is { } failure)
        {
            throw failure;
        }

        foreach (var read in FinalReads())
        {
            recorder.Add(0, read, recorder.Step(), session.Call(0, read));
        }

        return recorder.Result();
    }

    /// <summary>Client <paramref name="client"/>'s calls in history <paramref name="index"/>: a create first, so that there are domains to act on.</summary>
    private static IReadOnlyList<Operation> Calls(ImplementationCheckOptions options, int index, int client)
    {
        var random = new RandomCalls(SequentialPhase.Mix(options.Seed ^ 0xC0FFEEUL, (ulong)((index * ImplementationCheckOptions.MaxClients) + client)),
            options.Profile, options.RandomHost, oneHypercallEach: true);
        return [new CreateDomain(Caller.Control, 1 + (options.RandomHost.TotalPages / 2)), .. Enumerable.Range(1, options.Ops - 1).Select(_ => random.Next(options.Clients))];
    }

    private static IEnumerable<Operation> FinalReads() =>
        [new Specification.PhysInfo(), .. Enumerable.Range(1, RandomCalls.DomIds).Select(d => new GetDomainInfo(d))];

    /// <summary>The history as the clients make it: steps drawn atomically, entries added under a lock.</summary>
    private sealed class Recorder
    {
        private readonly object entriesLock = new();
        private readonly List<HistoryEntry> entries = [];
        private readonly Dictionary<int, IReadOnlyDictionary<string, string>> counters = [];
        private int step;

        public int Step() => Interlocked.Increment(ref step);

        public void Add(int client, Operation call, int called, ProtocolResponse answer)
        {
            var outcome = ProtocolSession.OutcomeOf(call, answer);
            var returned = Step();
            lock (entriesLock)
            {
                var index = entries.Count;
                entries.Add(new HistoryEntry(index, client == 0 ? "final reads" : $"client {client}", call.Describe(), called, returned, outcome, NoSnapshot, call));
                if (answer.Counters.Count > 0 || call is Specification.PhysInfo or GetDomainInfo)
                {
                    counters[index] = answer.Counters;
                }
            }
        }

        public (IReadOnlyList<HistoryEntry>, IReadOnlyDictionary<int, IReadOnlyDictionary<string, string>>) Result()
        {
            lock (entriesLock)
            {
                return (entries.ToArray(), new Dictionary<int, IReadOnlyDictionary<string, string>>(counters));
            }
        }
    }
}
