using ClaimVerified.Specification;

namespace ClaimVerified.Model.Conformance;

/// <summary>A syntax error: where (1-based line and column), what is wrong, and what was expected there.</summary>
public sealed record ScriptError(int Line, int Column, string Message, string Expected)
{
    public string Render() => $"line {Line}, column {Column}: {Message}; expected {Expected}";

    public override string ToString() => Render();
}

/// <summary>Thrown by <see cref="ScriptParser.Parse"/> on the first syntax error.</summary>
public sealed class ScriptSyntaxException(ScriptError error) : Exception(error?.Render())
{
    public ScriptError Error { get; } = error ?? throw new ArgumentNullException(nameof(error));
}

/// <summary>A counter expectation: <c>free=10</c>, <c>outstanding@node1=2</c>, <c>state=dead</c>.</summary>
public sealed record ScriptCounter(string Name, int? Node, string Value, int Column)
{
    public string Key => Node is { } n ? $"{Name}@node{n}" : Name;

    public override string ToString() => $"{Key}={Value}";
}

/// <summary>What a line expects after <c>-&gt;</c>: a result code (null: not stated) and counters.</summary>
public sealed record ScriptExpectation(Errno? Result, IReadOnlyList<ScriptCounter> Counters, int Column);

/// <summary>A reference to a domain: a name bound by an earlier <c>create</c>, or <c>dom&lt;domid&gt;</c> for a raw domid.</summary>
public sealed record DomainRef(string? Name, int? RawId, int Column)
{
    public override string ToString() => Name ?? $"dom{RawId}";
}

/// <summary>Who calls: the control domain (default), Xen, or a guest domain acting for itself.</summary>
public sealed record CallerRef(CallerKind Kind, DomainRef? Guest)
{
    public static CallerRef Control { get; } = new(CallerKind.Control, null);

    public static CallerRef Xen { get; } = new(CallerKind.Xen, null);
}

/// <summary>
/// One operation line of a script. <see cref="Build"/> makes the specification's <see cref="Operation"/> once domain
/// names are resolved to domids; <see cref="Keyword"/> <c>physinfo</c> and <c>domaininfo</c> are queries whose
/// counters the runner reads from both sides.
/// </summary>
public sealed record ScriptStep(
    int Line,
    string Source,
    string Keyword,
    DomainRef? Domain,
    string? Binds,
    ScriptExpectation? Expect,
    Func<Func<DomainRef, int>, Operation> Build);

/// <summary>A parsed script: the host, the optional profile, and the operation lines in order.</summary>
public sealed record Script(HostConfig Host, string? Profile, IReadOnlyList<ScriptStep> Steps);
