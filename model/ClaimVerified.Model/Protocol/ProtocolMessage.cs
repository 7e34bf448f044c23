using ClaimVerified.Specification;

namespace ClaimVerified.Model.Protocol;

/// <summary>
/// One request line of the implementation protocol (docs/protocol.md): a client id and a request id, then either a
/// control request (<c>hello</c>: the profile and the host; <c>reset</c>: a fresh host; <c>audit</c>: every host
/// counter) or a call (<see cref="Call"/>).
/// </summary>
/// <param name="Yield">On hello: the implementation may widen its race windows (yield the processor at its yield points,
/// present in every build), so that a concurrency mistake shows in a few histories on a noisy machine.</param>
public sealed record ProtocolRequest(int Client, long Id, string Op, Operation? Call = null, string? Profile = null, HostConfig? Host = null, bool Yield = false)
{
    public const string Hello = "hello";

    public const string Reset = "reset";

    /// <summary>Every host counter (physinfo's and the audit's: offlined, shared, Xen's heap), sent only when nothing is in flight.</summary>
    public const string Audit = "audit";

    public bool IsControl => Call is null;

    public static ProtocolRequest ForHello(long id, string profile, HostConfig host, bool yield = false) => new(0, id, Hello, null, profile, host, yield);

    public static ProtocolRequest ForReset(long id, HostConfig host) => new(0, id, Reset, null, null, host);

    public static ProtocolRequest ForAudit(long id) => new(0, id, Audit);

    public static ProtocolRequest ForCall(int client, long id, Operation call) => new(client, id, ProtocolCodec.OpName(call), call);
}

/// <summary>
/// One response line: the request's client and id, the result (<c>ok</c> or an errno name), the value a call returns
/// on success (the new domid of a create, the pages freed by a tmem flush; else 0), and for queries their counters
/// (physinfo: the host's; domaininfo: the domain's), keyed and written as in the conformance vectors.
/// </summary>
public sealed record ProtocolResponse(int Client, long Id, string Result, long Value, IReadOnlyDictionary<string, string> Counters, string? Implementation = null)
{
    public Errno? Errno => ProtocolCodec.ParseResult(Result);

    public Outcome Outcome => Errno is { } errno ? new Outcome(errno, errno == ClaimVerified.Errno.Ok ? Value : 0) : default;
}

/// <summary>A line that breaks the protocol: what is wrong with it, in words (never a stack trace).</summary>
public sealed class ProtocolException(string message) : Exception(message);
