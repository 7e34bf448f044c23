using System.Globalization;
using System.Text;
using ClaimVerified.Specification;
using ClaimVerified.Profiles;

namespace ClaimVerified.Model.Conformance;

/// <summary>One executed line: what the core and the specification returned (and, for queries, the counters).</summary>
public sealed record ScriptStepResult(int Line, string Source, string Core, string Spec);

/// <summary>
/// The first difference a run found: on <see cref="Line"/>, <see cref="What"/> differed; <see cref="Expected"/> is the
/// script's expectation (when the difference is with it), <see cref="Core"/> and <see cref="Spec"/> what each side gave.
/// </summary>
public sealed record ScriptDifference(int Line, int Column, string Source, string What, string? Expected, string Core, string Spec)
{
    public string Render() =>
        $"line {Line}, column {Column}: {What}: {Source}{Environment.NewLine}"
        + (Expected is null ? "" : $"  expected: {Expected}{Environment.NewLine}")
        + $"  core:     {Core}{Environment.NewLine}  spec:     {Spec}";
}

/// <summary>The outcome of running a script on the core and on the specification.</summary>
public sealed record ScriptRunResult(
    string? Name,
    string? Profile,
    bool Passed,
    int Steps,
    ScriptError? SyntaxError,
    ScriptDifference? FirstDifference,
    IReadOnlyList<ScriptStepResult> Trace)
{
    public string Render()
    {
        var title = Name is null ? "script" : $"script {Name}";
        if (SyntaxError is not null)
        {
            return $"{title}: syntax error: {SyntaxError.Render()}";
        }

        if (Passed)
        {
            return $"{title}: passed ({Steps} operations, profile {Profile}, core and specification agree with every expectation)";
        }

        return $"{title}: FAILED (profile {Profile}){Environment.NewLine}{FirstDifference?.Render()}";
    }
}

/// <summary>
/// Runs an operation script (see <see cref="ScriptParser"/>) on a fresh core host and on the specification, line by
/// line. After each line it compares the two results, the script's expectation (result code and counters), and the
/// whole accounting of both sides (<see cref="Projection"/>); it stops at the first difference and reports its line.
/// </summary>
public static class ScriptRunner
{
    /// <summary>Runs <paramref name="script"/>; <paramref name="profileOverride"/> replaces the script's profile line.</summary>
    public static ScriptRunResult Run(string script, string? profileOverride = null, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(script);
        var parsed = ScriptParser.TryParse(script, out var error);
        if (parsed is null)
        {
            return new ScriptRunResult(name, profileOverride, false, 0, error, null, []);
        }

        var profileName = profileOverride ?? parsed.Profile;
        if (profileName is null || !Catalogue.TryGet(profileName, out var profile))
        {
            var message = profileName is null ? "no profile line and no profile given" : $"unknown profile '{profileName}'";
            return new ScriptRunResult(name, profileName, false, 0,
                new ScriptError(1, 1, message, $"'profile <name>' with one of: {string.Join(", ", Catalogue.All.Select(p => p.Name))}"), null, []);
        }

        return Run(parsed, profile, name);
    }

    public static ScriptRunResult Run(Script script, Profile profile, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(script);
        ArgumentNullException.ThrowIfNull(profile);
        var run = new Execution(profile, script.Host);
        foreach (var step in script.Steps)
        {
            if (run.Step(step) is { } difference)
            {
                return new ScriptRunResult(name, profile.Name, false, run.Trace.Count, null, difference, run.Trace);
            }
        }

        return new ScriptRunResult(name, profile.Name, true, run.Trace.Count, null, null, run.Trace);
    }

    /// <summary>What one side (core or specification) answered to a line: its result and the counters it shows.</summary>
    private sealed record Side(Outcome Result, IReadOnlyDictionary<string, string> Counters);

    /// <summary>One script run: the core and the specification side by side, and the domains the script has named.</summary>
    private sealed class Execution(Profile profile, HostConfig config)
    {
        private readonly Host host = new(profile, config);
        private readonly Dictionary<string, int?> bound = new(StringComparer.Ordinal);
        private SpecState state = Spec.Init(profile, config);

        public List<ScriptStepResult> Trace { get; } = [];

        /// <summary>Runs one line on both sides; the first difference (from each other or from the line's expectation), or null.</summary>
        public ScriptDifference? Step(ScriptStep step)
        {
            string? unbound = null;
            var operation = step.Build(d => Resolve(d, ref unbound));
            if (unbound is not null)
            {
                return new ScriptDifference(step.Line, step.Domain?.Column ?? 1, step.Source,
                    $"domain '{unbound}' was never created (its create line failed)", null, "-", "-");
            }

            var (core, spec) = step.Keyword == "domaininfo" ? DomainInfo(step) : Apply(step, operation);
            var coreText = Show(core.Result, step, core.Counters);
            var specText = Show(spec.Result, step, spec.Counters);
            Trace.Add(new ScriptStepResult(step.Line, step.Source, coreText, specText));
            if (core.Result.Errno != spec.Result.Errno || (step.Keyword != "domaininfo" && core.Result.Value != spec.Result.Value))
            {
                return new ScriptDifference(step.Line, 1, step.Source, "core and specification return different results", null, coreText, specText);
            }

            return Expected(step, core, spec, coreText, specText) ?? SameAccounting(step);
        }

        private int Resolve(DomainRef d, ref string? unbound)
        {
            if (d.RawId is { } raw)
            {
                return raw;
            }

            if (bound.TryGetValue(d.Name!, out var id) && id is { } domid)
            {
                return domid;
            }

            unbound ??= d.Name;
            return Spec.DomIdLimit; // Never a live domid.
        }

        private (Side Core, Side Spec) DomainInfo(ScriptStep step)
        {
            string? unbound = null;
            var domid = Resolve(step.Domain!, ref unbound);
            var info = host.GetDomainInfo(domid);
            var live = state.Live(domid);
            var core = info is null ? (Outcome)Errno.ESRCH : Outcome.Ok(info.OutstandingPages);
            var spec = live is null ? (Outcome)Errno.ESRCH : Outcome.Ok(live.Claim);
            return (new Side(core, Merge(HostCounters(host.PhysInfo(), host.Snapshot()), info is null ? null : DomainCounters(info))),
                new Side(spec, Merge(HostCounters(state), live is null ? null : DomainCounters(profile, live))));
        }

        private (Side Core, Side Spec) Apply(ScriptStep step, Operation operation)
        {
            var core = OperationRunner.Apply(host, operation);
            (var spec, state) = ClaimVerified.Specification.Spec.Step(profile, state, operation);
            if (step.Binds is { } newName)
            {
                bound[newName] = core.IsOk && spec.IsOk && core.Value == spec.Value ? (int)spec.Value : null;
            }

            return (new Side(core, HostCounters(host.PhysInfo(), host.Snapshot())), new Side(spec, HostCounters(state)));
        }

        private static ScriptDifference? Expected(ScriptStep step, Side core, Side spec, string coreText, string specText)
        {
            if (step.Expect is not { } expect)
            {
                return null;
            }

            var wanted = expect.Result ?? Errno.Ok;
            if ((expect.Result is not null || expect.Counters.Count > 0) && core.Result.Errno != wanted)
            {
                return new ScriptDifference(step.Line, expect.Column, step.Source, "the result differs from the expectation",
                    wanted == Errno.Ok ? "ok" : wanted.ToString(), coreText, specText);
            }

            foreach (var counter in expect.Counters)
            {
                var coreValue = core.Counters.GetValueOrDefault(counter.Key, "?");
                var specValue = spec.Counters.GetValueOrDefault(counter.Key, "?");
                if (coreValue != counter.Value || specValue != counter.Value)
                {
                    return new ScriptDifference(step.Line, counter.Column, step.Source, $"counter {counter.Key} differs from the expectation",
                        counter.ToString(), $"{counter.Key}={coreValue}", $"{counter.Key}={specValue}");
                }
            }

            return null;
        }

        private ScriptDifference? SameAccounting(ScriptStep step)
        {
            var coreView = Projection.Of(host.Snapshot());
            var specView = Projection.Of(state);
            return coreView == specView ? null
                : new ScriptDifference(step.Line, 1, step.Source, "core and specification accounting differ after the line", null, coreView, specView);
        }
    }

    /// <summary>The host counters of the core: physinfo's free and outstanding (per node too), and the audit's others.</summary>
    public static IReadOnlyDictionary<string, string> HostCounters(PhysInfo info, HostSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(info);
        ArgumentNullException.ThrowIfNull(snapshot);
        return HostCounters(info.FreePages, info.OutstandingPages, info.NodeFreePages, info.NodeOutstandingPages,
            snapshot.OfflinedPages, snapshot.SharedPages, snapshot.XenHeapPages);
    }

    /// <summary>The same counters read from a specification state.</summary>
    public static IReadOnlyDictionary<string, string> HostCounters(SpecState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        return HostCounters(state.TotalFree, state.Outstanding, state.Free.Values.ToArray(), state.NodeOutstanding.Values.ToArray(),
            state.Offlined, state.Shared, state.XenHeap.Sum);
    }

    private static Dictionary<string, string> HostCounters(long free, long outstanding, IReadOnlyList<long> nodeFree,
        IReadOnlyList<long> nodeOutstanding, long offlined, long shared, long xenheap)
    {
        var counters = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["free"] = Num(free),
            ["outstanding"] = Num(outstanding),
            ["offlined"] = Num(offlined),
            ["shared"] = Num(shared),
            ["xenheap"] = Num(xenheap),
        };
        for (var node = 0; node < nodeFree.Count; node++)
        {
            counters[$"free@node{node}"] = Num(nodeFree[node]);
            counters[$"outstanding@node{node}"] = Num(nodeOutstanding[node]);
        }

        return counters;
    }

    /// <summary>getdomaininfo's counters of the core: tot, extra, max, claim (per node too), state.</summary>
    internal static Dictionary<string, string> DomainCounters(DomainInfo info)
    {
        var counters = DomainCounters(info.State, info.TotPages, info.ExtraPages, info.MaxPages, info.OutstandingPages);
        for (var node = 0; node < info.NodeOutstandingPages.Count; node++)
        {
            counters[$"claim@node{node}"] = Num(info.NodeOutstandingPages[node]);
        }

        return counters;
    }

    /// <summary>The same counters of a specification domain.</summary>
    internal static Dictionary<string, string> DomainCounters(Profile profile, SpecDomain d)
    {
        var counters = DomainCounters(d.State, d.Tot, d.Extra, d.Max, d.Claim);
        for (var node = 0; node < d.NodeClaims.Count; node++)
        {
            counters[$"claim@node{node}"] = Num(d.NodeClaims[node]);
        }

        return counters;
    }

    private static Dictionary<string, string> DomainCounters(DomainState state, long tot, long extra, long max, long claim) =>
        new(StringComparer.Ordinal)
        {
            ["state"] = state.ToString().ToLowerInvariant(),
            ["tot"] = Num(tot),
            ["extra"] = Num(extra),
            ["max"] = Num(max),
            ["claim"] = Num(claim),
        };

    private static Dictionary<string, string> Merge(IReadOnlyDictionary<string, string> host, Dictionary<string, string>? domain)
    {
        var merged = new Dictionary<string, string>(host, StringComparer.Ordinal);
        foreach (var (key, value) in domain ?? [])
        {
            merged[key] = value;
        }

        return merged;
    }

    private static string Num(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Show(Outcome result, ScriptStep step, IReadOnlyDictionary<string, string> counters)
    {
        var text = new StringBuilder(result.IsOk ? "ok" : result.Errno.ToString());
        var keys = step.Keyword == "domaininfo" ? new[] { "tot", "extra", "max", "claim", "state" } : ["free", "outstanding"];
        foreach (var key in keys.Where(counters.ContainsKey))
        {
            text.Append(CultureInfo.InvariantCulture, $" {key}={counters[key]}");
        }

        return text.ToString();
    }
}
