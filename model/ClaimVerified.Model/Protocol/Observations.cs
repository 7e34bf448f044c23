using ClaimVerified.Model.Conformance;
using ClaimVerified.Profiles;
using ClaimVerified.Specification;

namespace ClaimVerified.Model.Protocol;

/// <summary>
/// What a query shows, as the protocol's counters, from the core and from a specification state alike: physinfo's
/// free pages and outstanding claims (per node too: what XEN_SYSCTL_physinfo gives); the audit's every host counter
/// (offlined, shared and Xen's heap too: the conformance vectors' host counters, read only when nothing is in flight);
/// getdomaininfo's domain counters. Keys and values are the conformance vectors' (traces/conformance/FORMAT.md).
/// </summary>
public static class Observations
{
    /// <summary>The host counters physinfo reports; the others are the audit's.</summary>
    public static bool IsPhysInfoCounter(string key) =>
        key is "free" or "outstanding" || key.StartsWith("free@node", StringComparison.Ordinal) || key.StartsWith("outstanding@node", StringComparison.Ordinal);

    public static IReadOnlyDictionary<string, string> PhysInfo(Host host)
    {
        ArgumentNullException.ThrowIfNull(host);
        var info = host.PhysInfo();
        return PhysInfo(info.FreePages, info.OutstandingPages, info.NodeFreePages, info.NodeOutstandingPages);
    }

    public static IReadOnlyDictionary<string, string> PhysInfo(SpecState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        return PhysInfo(state.TotalFree, state.Outstanding, [.. state.Free.Values], [.. state.NodeOutstanding.Values]);
    }

    public static IReadOnlyDictionary<string, string> Audit(Host host)
    {
        ArgumentNullException.ThrowIfNull(host);
        return ScriptRunner.HostCounters(host.PhysInfo(), host.Snapshot());
    }

    public static IReadOnlyDictionary<string, string> Audit(SpecState state) => ScriptRunner.HostCounters(state);

    /// <summary>getdomaininfo's counters, or null when the domain is unknown or destroyed (ESRCH).</summary>
    public static IReadOnlyDictionary<string, string>? DomainInfo(Host host, int domid)
    {
        ArgumentNullException.ThrowIfNull(host);
        return host.GetDomainInfo(domid) is { } info ? ScriptRunner.DomainCounters(info) : null;
    }

    public static IReadOnlyDictionary<string, string>? DomainInfo(Profile profile, SpecState state, int domid)
    {
        ArgumentNullException.ThrowIfNull(state);
        return state.Live(domid) is { } d ? ScriptRunner.DomainCounters(profile, d) : null;
    }

    /// <summary>What a query returns in the specification's state: its counters (empty for a call that is no query).</summary>
    public static IReadOnlyDictionary<string, string> Of(Profile profile, SpecState state, Operation call) => call switch
    {
        Specification.PhysInfo => PhysInfo(state),
        GetDomainInfo q => DomainInfo(profile, state, q.DomId) ?? NoCounters,
        _ => NoCounters,
    };

    /// <summary>Keys on which two sets of counters differ ("free: 3 against 4"), in the first's order; empty when equal.</summary>
    public static IReadOnlyList<string> Differences(IReadOnlyDictionary<string, string> got, IReadOnlyDictionary<string, string> wanted)
    {
        ArgumentNullException.ThrowIfNull(got);
        ArgumentNullException.ThrowIfNull(wanted);
        return wanted.Where(w => got.GetValueOrDefault(w.Key) != w.Value)
            .Select(w => $"{w.Key}={got.GetValueOrDefault(w.Key, "(missing)")}, not {w.Value}")
            .Concat(got.Keys.Where(k => !wanted.ContainsKey(k)).Select(k => $"{k} is not a counter of this query"))
            .ToArray();
    }

    public static IReadOnlyDictionary<string, string> NoCounters { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    private static Dictionary<string, string> PhysInfo(long free, long outstanding, IReadOnlyList<long> nodeFree, IReadOnlyList<long> nodeOutstanding)
    {
        var counters = new Dictionary<string, string>(StringComparer.Ordinal) { ["free"] = Num(free), ["outstanding"] = Num(outstanding) };
        for (var node = 0; node < nodeFree.Count; node++)
        {
            counters[$"free@node{node}"] = Num(nodeFree[node]);
            counters[$"outstanding@node{node}"] = Num(nodeOutstanding[node]);
        }

        return counters;
    }

    private static string Num(long value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
