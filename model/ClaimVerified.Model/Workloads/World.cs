using ClaimVerified.Model.Checking;
using ClaimVerified.Model.Monitors;
using ClaimVerified.Profiles;
using Microsoft.Coyote.Random;
using Microsoft.Coyote.Specifications;

namespace ClaimVerified.Model.Workloads;

/// <summary>
/// Everything the workloads of one execution share: the host, the profile, Coyote's controlled random generator (so
/// that a replay makes the same choices), the history of operations, and a board where builders publish the domains
/// they build so that reapers, sharers and administrators can find them.
/// </summary>
public sealed class World
{
    private readonly object boardGate = new();
    private readonly List<(string Actor, int Domid)> board = [];

    public World(Profile profile, string scenarioName, HostConfig config)
    {
        Profile = profile;
        ScenarioName = scenarioName;
        Host = new Host(profile, config);
        Random = Generator.Create();
    }

    /// <summary>The world of the execution that ran last in this process: what a trace replay renders.</summary>
    public static World? Last { get; internal set; }

    public Host Host { get; }

    public Profile Profile { get; }

    public string ScenarioName { get; }

    public Generator Random { get; }

    public History History { get; } = new();

    /// <summary>Performs one operation and records its call and return in the history.</summary>
    public Outcome Do(string actor, string operation, Func<Outcome> call)
    {
        var callStep = History.BeginCall();
        var result = call();
        History.Return(actor, operation, callStep, result, Host.PeekUnlocked());
        return result;
    }

    /// <summary>A number in [0, bound): Coyote chooses, and a replay repeats the choice.</summary>
    public int Choose(int bound) => Random.NextInteger(bound);

    public bool Coin() => Random.NextBoolean();

    /// <summary>The consistent audit an observer makes; the invariant monitor judges it.</summary>
    public void Audit(string actor)
    {
        var callStep = History.BeginCall();
        var snapshot = Host.Snapshot();
        History.Return(actor, "audit", callStep, Outcome.Ok(), snapshot);
        Specification.Monitor<InvariantMonitor>(new Audited(snapshot, actor));
    }

    /// <summary>What <c>xl info</c> does: one physinfo; the invariant monitor judges what it shows.</summary>
    public PhysInfo ObservePhysInfo(string actor)
    {
        var callStep = History.BeginCall();
        var info = Host.PhysInfo();
        History.Return(actor, "physinfo", callStep, Outcome.Ok(info.FreePages), Host.PeekUnlocked());
        Specification.Monitor<InvariantMonitor>(new PhysInfoSeen(info, actor));
        return info;
    }

    public void Publish(string actor, int domid)
    {
        lock (boardGate)
        {
            board.Add((actor, domid));
        }
    }

    /// <summary>The domids published so far, in order.</summary>
    public IReadOnlyList<int> PublishedDomains()
    {
        lock (boardGate)
        {
            return board.Select(entry => entry.Domid).ToArray();
        }
    }

    /// <summary>
    /// Waits (yielding to the scheduler, at most <paramref name="maxYields"/> times) until some domain has been
    /// published, and returns the first one, or null.
    /// </summary>
    public async Task<int?> WaitForDomainAsync(int maxYields)
    {
        for (var i = 0; i < maxYields; i++)
        {
            var domains = PublishedDomains();
            if (domains.Count > 0)
            {
                return domains[Choose(domains.Count)];
            }

            await Task.Yield();
        }

        return null;
    }
}
