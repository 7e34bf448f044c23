using System.Text;
using ClaimVerified.Profiles;

namespace ClaimVerified.Model.Protocol;

/// <summary>The checker's phases, in the order they run.</summary>
public enum CheckPhase
{
    /// <summary>Every conformance vector of the profile, line by line.</summary>
    Vectors,

    /// <summary>Random sequences stepped beside the specification; the first difference, shrunk.</summary>
    Sequential,

    /// <summary>Histories of several clients with real overlap, checked for linearizability against the specification.</summary>
    Concurrent,
}

/// <summary>How one phase ended.</summary>
public enum PhaseVerdict
{
    Passed,
    Failed,

    /// <summary>Not run, with the reason (no vectors for this profile, not asked for): never counted as passed.</summary>
    Skipped,

    /// <summary>Not linearizable, where the linearizability manifest records that this profile's design is not.</summary>
    KnownNonLinearizable,
}

/// <summary>One phase's result: a line of summary and, when it failed, the evidence.</summary>
public sealed record PhaseReport(CheckPhase Phase, PhaseVerdict Verdict, string Summary, string? Detail = null);

/// <summary>
/// What <c>check-impl</c> asks. Sizes are bounded (a limit on everything): at most 16 clients, 64 operations a client,
/// 10,000 sequences or histories.
/// </summary>
public sealed record ImplementationCheckOptions(
    Profile Profile,
    int Clients = 3,
    int Ops = 8,
    ulong Seed = 1,
    int Sequences = 40,
    int SequenceOps = 30,
    int Histories = 20,
    string? VectorsFolder = null,
    IReadOnlySet<CheckPhase>? Phases = null,
    bool Yield = false)
{
    public const int MaxClients = 16;

    public const int MaxOps = 64;

    public const int MaxRuns = 10_000;

    /// <summary>The host of the random phases: two nodes, so that node claims and placement matter; small, so that pages run out.</summary>
    public HostConfig RandomHost { get; init; } = new(2, 8);

    /// <summary>Null when the options are sound, else what is wrong, in words.</summary>
    public string? Validate() =>
        Clients is < 1 or > MaxClients ? $"--clients must be 1..{MaxClients}, was {Clients}"
        : Ops is < 1 or > MaxOps ? $"--ops must be 1..{MaxOps}, was {Ops}"
        : SequenceOps is < 1 or > MaxOps ? $"the operations of a sequence must be 1..{MaxOps}, was {SequenceOps}"
        : Sequences is < 0 or > MaxRuns ? $"--sequences must be 0..{MaxRuns}, was {Sequences}"
        : Histories is < 0 or > MaxRuns ? $"--histories must be 0..{MaxRuns}, was {Histories}"
        : null;

    public bool Runs(CheckPhase phase) => Phases is null || Phases.Contains(phase);
}

/// <summary>What <c>check-impl</c> found: each phase, or the way the implementation broke the protocol.</summary>
public sealed record ImplementationCheckReport(string Profile, string Implementation, IReadOnlyList<PhaseReport> Phases, string? Broken)
{
    /// <summary>Every phase that ran passed (or met only the profile's known non-linearizability), and the implementation kept the protocol.</summary>
    public bool Passed => Broken is null && Phases.All(p => p.Verdict != PhaseVerdict.Failed);

    public string Render()
    {
        var text = new StringBuilder($"check-impl {Implementation} against profile {Profile}:");
        foreach (var phase in Phases)
        {
            text.AppendLine().Append($"  {phase.Phase.ToString().ToLowerInvariant(),-11} {Word(phase.Verdict),-8} {phase.Summary}");
            if (phase.Detail is { } detail)
            {
                text.AppendLine().Append(string.Join(Environment.NewLine, detail.Split('\n').Select(l => "      " + l.TrimEnd('\r'))));
            }
        }

        if (Broken is not null)
        {
            text.AppendLine().Append($"  the implementation broke the protocol: {Broken}");
        }

        var known = Phases.Any(p => p.Verdict == PhaseVerdict.KnownNonLinearizable);
        return text.AppendLine().Append(!Passed ? "FAILED" : known ? "PASSED, but for the known non-linearizability above (check on reference to rule out a mistake hiding behind it)" : "PASSED").ToString();
    }

    private static string Word(PhaseVerdict verdict) => verdict switch
    {
        PhaseVerdict.Passed => "passed",
        PhaseVerdict.Failed => "FAILED",
        PhaseVerdict.Skipped => "skipped",
        _ => "known",
    };
}

/// <summary>
/// claimverify check-impl: an implementation we did not write, checked through the protocol (docs/protocol.md), the
/// way Maelstrom checks any program that speaks its protocol. Three phases: the profile's conformance vectors; random
/// sequences beside the specification, the first difference shrunk to a shortest sequence; concurrent histories of
/// several clients, checked for linearizability against the specification (required on designs that promise it; on
/// the others a non-linearizable history is what the linearizability manifest already records). A phase stops at its
/// first failure; the implementation breaking the protocol (exiting, hanging, writing garbage) ends the check.
/// </summary>
public static class ImplementationCheck
{
    public static ImplementationCheckReport Run(ImplementationProcess process, ImplementationCheckOptions options)
    {
        ArgumentNullException.ThrowIfNull(process);
        ArgumentNullException.ThrowIfNull(options);
        var session = new ProtocolSession(process);
        var phases = new List<PhaseReport>();
        try
        {
            session.Hello(options.Profile.Name, options.RandomHost, options.Yield);
            phases.Add(options.Runs(CheckPhase.Vectors) ? VectorPhase.Run(session, options) : NotAsked(CheckPhase.Vectors));
            phases.Add(options.Runs(CheckPhase.Sequential) ? SequentialPhase.Run(session, options) : NotAsked(CheckPhase.Sequential));
            phases.Add(options.Runs(CheckPhase.Concurrent) ? ConcurrentPhase.Run(session, options) : NotAsked(CheckPhase.Concurrent));
            return new ImplementationCheckReport(options.Profile.Name, session.Implementation, phases, null);
        }
        catch (ImplementationFailure e)
        {
            return new ImplementationCheckReport(options.Profile.Name, session.Implementation, phases, e.Message);
        }
    }

    private static PhaseReport NotAsked(CheckPhase phase) => new(phase, PhaseVerdict.Skipped, "not asked for (--phases)");
}
