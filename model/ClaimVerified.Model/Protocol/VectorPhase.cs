using ClaimVerified.Model.Conformance;
using ClaimVerified.Specification;

namespace ClaimVerified.Model.Protocol;

/// <summary>
/// The first phase: every conformance vector of the profile (traces/conformance/&lt;profile&gt;/*.cvs), each on a fresh
/// host, line by line through the protocol; the result and every counter a line names must be what the vector says.
/// Host counters are read with an audit after the line (nothing else is in flight), domain counters from the
/// line's own getdomaininfo. The first line that differs fails the phase, with the request that was sent.
/// </summary>
public static class VectorPhase
{
    public static PhaseReport Run(ProtocolSession session, ImplementationCheckOptions options)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(options);
        var folder = options.VectorsFolder ?? Path.Combine("traces", "conformance", options.Profile.Name);
        var files = Directory.Exists(folder) ? Directory.GetFiles(folder, "*.cvs").Order(StringComparer.Ordinal).ToArray() : [];
        if (files.Length == 0)
        {
            return new PhaseReport(CheckPhase.Vectors, PhaseVerdict.Skipped,
                $"no conformance vectors (*.cvs) in {Path.GetFullPath(folder)}: this profile has none, or give --vectors");
        }

        var lines = 0;
        foreach (var file in files)
        {
            var name = Path.GetFileName(file);
            var script = ScriptParser.TryParse(File.ReadAllText(file), out var error);
            if (script is null)
            {
                return Failed($"{name} is not a valid script: {error?.Render()}");
            }

            if (script.Profile is { } own && own != options.Profile.Name)
            {
                return Failed($"{name} is a vector of profile {own}, not {options.Profile.Name}: give the profile's own folder");
            }

            if (RunOne(session, script, name) is { } difference)
            {
                return Failed(difference);
            }

            lines += script.Steps.Count;
        }

        return new PhaseReport(CheckPhase.Vectors, PhaseVerdict.Passed,
            $"{files.Length} vectors, {lines} lines: every result and counter as the vectors say");
    }

    private static PhaseReport Failed(string detail) =>
        new(CheckPhase.Vectors, PhaseVerdict.Failed, "a vector's line differs", detail);

    /// <summary>The first difference of one vector, in words; null when every line is as it says.</summary>
    private static string? RunOne(ProtocolSession session, Script script, string name)
    {
        session.Reset(script.Host);
        var bound = new Dictionary<string, int?>(StringComparer.Ordinal);
        foreach (var step in script.Steps)
        {
            string? unbound = null;
            var call = step.Build(d => Resolve(bound, d, ref unbound));
            if (unbound is not null)
            {
                return $"{name} line {step.Line}: `{step.Source}` names {unbound}, whose create failed on the implementation";
            }

            var answer = session.Call(0, call);
            if (step.Binds is { } newName)
            {
                bound[newName] = answer.Errno == Errno.Ok ? (int)Math.Clamp(answer.Value, 0, Spec.DomIdLimit) : null;
            }

            if (Differs(session, step, answer) is { } what)
            {
                return $"{name} line {step.Line}: `{step.Source}`{Environment.NewLine}"
                    + $"  {what}{Environment.NewLine}  request: {ProtocolCodec.FormatRequest(ProtocolRequest.ForCall(0, answer.Id, call))}";
            }
        }

        return null;
    }

    private static string? Differs(ProtocolSession session, ScriptStep step, ProtocolResponse answer)
    {
        if (step.Expect is not { } expect)
        {
            return null;
        }

        var wanted = expect.Result ?? (expect.Counters.Count > 0 ? Errno.Ok : null);
        if (wanted is { } result && answer.Errno != result)
        {
            return $"expected {ProtocolCodec.ResultName(result)}, the implementation answered {answer.Result}";
        }

        IReadOnlyDictionary<string, string>? audit = null;
        foreach (var counter in expect.Counters)
        {
            var isHost = ScriptParser.HostCounters.Contains(counter.Name);
            var source = isHost && !(answer.Counters.ContainsKey(counter.Key) && Observations.IsPhysInfoCounter(counter.Key))
                ? audit ??= session.Audit()
                : answer.Counters;
            var got = source.GetValueOrDefault(counter.Key, "(missing)");
            if (got != counter.Value)
            {
                return $"expected {counter.Key}={counter.Value}, the implementation shows {counter.Key}={got}";
            }
        }

        return null;
    }

    private static int Resolve(Dictionary<string, int?> bound, DomainRef d, ref string? unbound)
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
        return Spec.DomIdLimit;
    }
}
