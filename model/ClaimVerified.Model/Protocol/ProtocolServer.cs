using ClaimVerified.Model.Conformance;
using ClaimVerified.Profiles;
using ClaimVerified.Specification;

namespace ClaimVerified.Model.Protocol;

/// <summary>
/// This repository's core behind the protocol (<c>claimverify serve</c>): the example implementation every other one
/// can be compared with, and what the checker's own tests run against. Each call runs on its own thread as it
/// arrives, so requests of different clients really overlap inside the core's locks; control requests (hello, reset,
/// audit) wait until nothing is in flight. A <see cref="ServeFault"/> makes it a deliberately wrong implementation,
/// to show what the checker says of one.
/// </summary>
public sealed class ProtocolServer(ServeFault fault)
{
    /// <summary>A limit on everything: at most this many calls in flight at once.</summary>
    public const int MaxInFlight = 256;

    private readonly object outputLock = new();
    private readonly List<Task> inFlight = [];
    private readonly Dictionary<int, Task> lastOfClient = [];
    private Profile? profile;
    private Host? host;

    public const string Name = "claimverify serve";

    /// <summary>
    /// Serves until the input ends. A line that breaks the protocol is written to <paramref name="error"/> and ends
    /// the session with exit code 1: an implementation must not guess what a bad request meant.
    /// </summary>
    public int Serve(TextReader input, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        try
        {
            while (input.ReadLine() is { } line)
            {
                if (line.Length == 0)
                {
                    continue;
                }

                var request = ProtocolCodec.ParseRequest(line);
                if (request.IsControl)
                {
                    Quiesce();
                    Respond(output, Control(request));
                }
                else
                {
                    Dispatch(output, request);
                }
            }

            Quiesce();
            return 0;
        }
        catch (ProtocolException e)
        {
            Quiesce();
            error.WriteLine($"{Name}: {e.Message}");
            return 1;
        }
    }

    private void Dispatch(TextWriter output, ProtocolRequest request)
    {
        var chosenHost = host
            ?? throw new ProtocolException($"request {request.Client}/{request.Id}: a call before hello");
        if (inFlight.Count >= MaxInFlight)
        {
            Quiesce();
        }

        // One client's calls run in the order they came (a client that does not wait for its answers still sees its
        // own calls in order); different clients' calls run at once.
        var before = lastOfClient.GetValueOrDefault(request.Client, Task.CompletedTask);
        var task = before.ContinueWith(_ => Respond(output, Call(chosenHost, request)), CancellationToken.None,
            TaskContinuationOptions.LongRunning, TaskScheduler.Default);
        lastOfClient[request.Client] = task;
        inFlight.Add(task);
    }

    private ProtocolResponse Control(ProtocolRequest request)
    {
        switch (request.Op)
        {
            case ProtocolRequest.Hello when !Catalogue.TryGet(request.Profile!, out var named):
                return Reply(request, Errno.EINVAL);
            case ProtocolRequest.Hello:
                profile = Catalogue.Get(request.Profile!);
                host = new Host(profile, request.Host!);
                return Reply(request, Errno.Ok) with { Implementation = $"{Name}{fault.Describe()}" };
            case ProtocolRequest.Reset:
                host = new Host(profile ?? throw new ProtocolException($"request {request.Client}/{request.Id}: reset before hello"), request.Host!);
                fault.Reset();
                return Reply(request, Errno.Ok);
            default:
                return Reply(request, Errno.Ok) with
                {
                    Counters = Observations.Audit(host ?? throw new ProtocolException($"request {request.Client}/{request.Id}: audit before hello")),
                };
        }
    }

    private ProtocolResponse Call(Host chosenHost, ProtocolRequest request)
    {
        var call = request.Call!;
        var outcome = fault.Apply(chosenHost, call, () => OperationRunner.Apply(chosenHost, call));
        var counters = call switch
        {
            Specification.PhysInfo => fault.PhysInfo(chosenHost, () => Observations.PhysInfo(chosenHost)),
            GetDomainInfo q => Observations.DomainInfo(chosenHost, q.DomId) ?? Observations.NoCounters,
            _ => Observations.NoCounters,
        };
        return Reply(request, outcome.Errno) with { Value = outcome.IsOk ? ReturnedValue(call, outcome) : 0, Counters = counters };
    }

    /// <summary>What a call returns on success: the new domid of a create, the pages a tmem flush freed; queries return their counters instead.</summary>
    private static long ReturnedValue(Operation call, Outcome outcome) => call switch
    {
        Specification.PhysInfo or GetDomainInfo => 0,
        _ => outcome.Value,
    };

    private static ProtocolResponse Reply(ProtocolRequest request, Errno errno) =>
        new(request.Client, request.Id, ProtocolCodec.ResultName(errno), 0, Observations.NoCounters);

    private void Respond(TextWriter output, ProtocolResponse response)
    {
        var line = ProtocolCodec.FormatResponse(response);
        lock (outputLock)
        {
            output.WriteLine(line);
            output.Flush();
        }
    }

    private void Quiesce()
    {
        Task.WaitAll(inFlight.ToArray());
        inFlight.Clear();
        lastOfClient.Clear();
    }
}
