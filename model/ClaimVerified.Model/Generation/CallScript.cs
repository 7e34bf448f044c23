using ClaimVerified.Model.Conformance;
using ClaimVerified.Profiles;
using ClaimVerified.Specification;

namespace ClaimVerified.Model.Generation;

/// <summary>One call of a caller, parsed: its text and the operation it makes once domain names are resolved.</summary>
public sealed record CallStep(string Source, string Keyword, Func<Func<DomainRef, int>, Operation> Build)
{
    /// <summary>The operation on the domids the configuration's domains got (<paramref name="domids"/>[0] is d1).</summary>
    public Operation Bind(IReadOnlyList<int> domids)
    {
        ArgumentNullException.ThrowIfNull(domids);
        return Build(d => domids[CallScript.DomainNumber(d)!.Value - 1]);
    }
}

/// <summary>
/// The calls of a configuration's callers (the random-operations mode), written as conformance-script lines (the
/// syntax of traces/conformance/FORMAT.md: <c>claim d1 4</c>, <c>populate d2 order=0 node=1</c>, <c>physinfo</c>) on the
/// configuration's domains, named d1, d2, ... in the order of <see cref="GeneratedConfig.Domains"/>. Only public
/// hypercalls a privileged caller (or, for tmem, the guest itself) may make on the profile's Xen are allowed: the
/// same rule as the actor kinds' table (<see cref="ActorKinds"/>).
/// </summary>
public static class CallScript
{
    /// <summary>A limit on everything: at most this many calls for one caller, and domains for a configuration.</summary>
    public const int MaxCalls = 8;

    public const int MaxDomains = 4;

    /// <summary>The name of the configuration's domain at <paramref name="index"/> (0-based).</summary>
    public static string DomainName(int index) => $"d{index + 1}";

    /// <summary>Why a caller on <paramref name="profile"/> may not make a call of <paramref name="keyword"/>; null when it may.</summary>
    public static string? NotAllowed(string keyword, Profile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        return keyword switch
        {
            "populate" or "decrease" or "maxmem" or "kill" or "kill-step" or "destroy" or "unpause" or "physinfo" or "domaininfo" or "share" => null,
            "claim" => ActorKinds.NotApplicable(ActorKind.ClaimToolstack, profile),
            "claimset" => profile.NodeClaims ? null : "this Xen has no claim sets (XEN_DOMCTL_claim_memory is the NUMA proposal)",
            "tmem-put" or "tmem-flush" => ActorKinds.NotApplicable(ActorKind.TmemClient, profile),
            "create" => "the configuration's domains are created before the callers start (its domains list)",
            _ => "not a public hypercall a caller makes (Xen's internal paths are actor kinds of their own)",
        };
    }

    /// <summary>
    /// Parses every caller's calls of <paramref name="config"/> for <paramref name="profile"/>: the steps by caller
    /// name. Anything wrong (syntax, an unknown domain, a call the profile's Xen has no caller for, a guest acting on
    /// another domain) is an <see cref="ArgumentException"/> naming the caller and the call.
    /// </summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<CallStep>> Parse(GeneratedConfig config, Profile profile)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(profile);
        var domains = config.Domains ?? [];
        var header = new List<string> { $"host nodes={config.Nodes} pages={config.PagesPerNode}" };
        header.AddRange(domains.Select((max, i) => $"create {DomainName(i)} max={max}"));
        var steps = new Dictionary<string, IReadOnlyList<CallStep>>(StringComparer.Ordinal);
        foreach (var caller in config.Actors.Where(a => a.Kind == ActorKind.Caller))
        {
            steps[caller.Name] = caller.Calls!.Select((call, i) => ParseCall(header, call, profile, $"actor {caller.Name}, call {i + 1} '{call}'", domains.Count)).ToArray();
        }

        return steps;
    }

    private static CallStep ParseCall(IReadOnlyList<string> header, string call, Profile profile, string where, int domainCount)
    {
        if (string.IsNullOrWhiteSpace(call) || call.Contains('\n', StringComparison.Ordinal) || call.Contains('\r', StringComparison.Ordinal)
            || call.Contains("->", StringComparison.Ordinal) || call.Contains('#', StringComparison.Ordinal))
        {
            throw new ArgumentException($"{where}: a call is one script line without an expectation ('->') or a comment");
        }

        IReadOnlyList<ScriptStep> steps;
        try
        {
            steps = ScriptParser.Parse(string.Join('\n', [.. header, call])).Steps;
        }
        catch (ScriptSyntaxException e)
        {
            throw new ArgumentException($"{where}: {e.Error.Message}; expected {e.Error.Expected}");
        }

        if (steps.Count != domainCount + 1)
        {
            throw new ArgumentException($"{where}: not a call (a host or profile line belongs to a script, not to a caller)");
        }

        var step = steps[^1];

        if (NotAllowed(step.Keyword, profile) is { } reason)
        {
            throw new ArgumentException($"{where}: {step.Keyword} is not allowed on {profile.Name}: {reason}");
        }

        var unknown = false;
        var operation = step.Build(d => DomainNumber(d) is { } n && n <= domainCount ? n : Unknown(ref unknown));
        if (unknown)
        {
            throw new ArgumentException($"{where}: a caller acts on the configuration's domains, d1 .. d{domainCount}");
        }

        if (WhoActs(operation) is { } problem)
        {
            throw new ArgumentException($"{where}: {problem}");
        }

        return new CallStep(call, step.Keyword, step.Build);
    }

    /// <summary>n for the name d&lt;n&gt; (n &gt;= 1), else null.</summary>
    internal static int? DomainNumber(DomainRef d) =>
        d.Name is { Length: > 1 } name && name[0] == 'd' && name[1..].All(char.IsAsciiDigit) && name.Length < 6
        && int.Parse(name[1..], System.Globalization.CultureInfo.InvariantCulture) is var n and >= 1 ? n : null;

    private static int Unknown(ref bool unknown)
    {
        unknown = true;
        return Spec.DomIdLimit;
    }

    /// <summary>
    /// Tmem calls act on the calling guest itself (do_tmem_op takes no domain), so they are written
    /// <c>as=</c> the guest they name; and no caller thread speaks as Xen, whose own paths are actor kinds of their own.
    /// Other calls may be made by any domain: Xen answers an unprivileged one on another domain EPERM.
    /// </summary>
    private static string? WhoActs(Operation operation) => operation switch
    {
        TmemPut t when t.Caller != Caller.Guest(t.DomId) => "tmem calls are the guest's own: write as=<the domain they name>",
        TmemFlush t when t.Caller != Caller.Guest(t.DomId) => "tmem calls are the guest's own: write as=<the domain they name>",
        ClaimPages { Caller.Kind: CallerKind.Xen } or ClaimMemory { Caller.Kind: CallerKind.Xen } or Populate { Caller.Kind: CallerKind.Xen }
            or DecreaseReservation { Caller.Kind: CallerKind.Xen } or SetMaxPages { Caller.Kind: CallerKind.Xen }
            or SharePage { Caller.Kind: CallerKind.Xen } or DomainKill { Caller.Kind: CallerKind.Xen }
            or DestroyDomain { Caller.Kind: CallerKind.Xen } or KillContinuation { Caller.Kind: CallerKind.Xen } or Unpause { Caller.Kind: CallerKind.Xen }
            => "a caller thread is a domain, not Xen (as=xen)",
        _ => null,
    };
}
