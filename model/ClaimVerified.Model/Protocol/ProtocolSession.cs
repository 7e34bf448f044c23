using ClaimVerified.Specification;

namespace ClaimVerified.Model.Protocol;

/// <summary>
/// The checker's side of one conversation with an implementation: request ids, the handshake, fresh hosts, audits and
/// calls by client. Every answer is checked for shape here (a query without its counters, a counter that is not a
/// number); what it should have been is the phases' business.
/// </summary>
public sealed class ProtocolSession(ImplementationProcess process)
{
    private long nextId;

    public ImplementationProcess Process { get; } = process ?? throw new ArgumentNullException(nameof(process));

    /// <summary>The implementation's name, from its answer to hello.</summary>
    public string Implementation { get; private set; } = process?.CommandLine ?? "(none)";

    /// <summary>Says hello; an implementation that refuses the profile or the protocol's version is an <see cref="ImplementationFailure"/>.</summary>
    public void Hello(string profile, HostConfig host, bool yield = false)
    {
        var answer = Process.Call(ProtocolRequest.ForHello(Next(), profile, host, yield));
        if (answer.Errno != Errno.Ok)
        {
            throw new ImplementationFailure($"`{Process.CommandLine}` answered hello for profile {profile} with {answer.Result}: it does not implement that profile");
        }

        Implementation = answer.Implementation ?? Process.CommandLine;
    }

    public void Reset(HostConfig host) => Expect(Process.Call(ProtocolRequest.ForReset(Next(), host)), "reset");

    /// <summary>Every host counter, with nothing in flight.</summary>
    public IReadOnlyDictionary<string, string> Audit()
    {
        var answer = Process.Call(ProtocolRequest.ForAudit(Next()));
        Expect(answer, "audit");
        return answer.Counters;
    }

    public ProtocolResponse Call(int client, Operation call) => Process.Call(ProtocolRequest.ForCall(client, Next(), call));

    public async Task<ProtocolResponse> CallAsync(int client, Operation call) =>
        await Process.CallAsync(ProtocolRequest.ForCall(client, Next(), call)).ConfigureAwait(false);

    /// <summary>
    /// A response as the specification's <see cref="Outcome"/>: for physinfo its free pages and for getdomaininfo the
    /// domain's claim are the value, as <see cref="Spec.Step"/> gives them; the other counters are compared apart.
    /// </summary>
    public static Outcome OutcomeOf(Operation call, ProtocolResponse answer)
    {
        ArgumentNullException.ThrowIfNull(answer);
        if (answer.Errno is not { } errno || errno != Errno.Ok || call is not (Specification.PhysInfo or GetDomainInfo))
        {
            return answer.Outcome;
        }

        var key = call is Specification.PhysInfo ? "free" : "claim";
        return answer.Counters.TryGetValue(key, out var text) && long.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var value)
            ? Outcome.Ok(value)
            : throw new ImplementationFailure($"its answer to {call.Describe()} has no counter \"{key}\": {ProtocolCodec.FormatResponse(answer)}");
    }

    private long Next() => Interlocked.Increment(ref nextId);

    private void Expect(ProtocolResponse answer, string what)
    {
        if (answer.Errno != Errno.Ok)
        {
            throw new ImplementationFailure($"`{Process.CommandLine}` answered {what} with {answer.Result}");
        }
    }
}
