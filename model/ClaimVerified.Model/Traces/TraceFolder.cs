using System.Text;
using ClaimVerified.Model.Attribution;
using ClaimVerified.Model.Exploration;
using ClaimVerified.Model.Generation;
using ClaimVerified.Model.Manifest;
using ClaimVerified.Model.Scenarios;
using ClaimVerified.Model.Workloads;
using ClaimVerified.Profiles;

namespace ClaimVerified.Model.Traces;

/// <summary>What replaying a trace folder showed.</summary>
public sealed record ReplayOutcome(TraceMeta Meta, ExplorationResult Result, Timeline Timeline, bool SameCode);

/// <summary>How a counterexample was shrunk before it was written: the family it was drawn in, and what was cut.</summary>
public sealed record ShrinkNote(string Family, string How);

/// <summary>
/// A trace folder: traces/&lt;profile&gt;/&lt;scenario&gt;--&lt;property&gt;/ with the Coyote trace, meta.json, the
/// timeline as text and as a Mermaid diagram, and a README in plain words. Writing and reading live here together so
/// the two cannot drift apart.
/// </summary>
public static class TraceFolder
{
    public const string TimelineFile = "timeline.txt";
    public const string MermaidFile = "timeline.mmd";
    public const string ReadmeFile = "README.md";

    /// <summary>
    /// traces/&lt;profile&gt;/&lt;scenario&gt;--&lt;property&gt;, and for the generated family, where one property may
    /// come from several findings, --&lt;finding&gt; after it (a compound's "+" kept, its "compound: " prefix not).
    /// </summary>
    public static string RelativePath(string profile, string scenario, string property, string? attributedTo = null) =>
        Path.Combine(profile, $"{scenario}--{property}" + (attributedTo is null ? "" : "--" + attributedTo.Replace("compound: ", "compound-", StringComparison.Ordinal)));

    public static string TraceFileName(Scenario scenario) => $"{scenario.MethodName}.trace";

    /// <summary>The one command that regenerates a trace folder under <paramref name="root"/>.</summary>
    public static string RegenerateCommand(string profile, string scenario, string root = "traces") =>
        $"dotnet run --project src/ClaimVerified.Cli -- explore --profile {profile} --scenario {scenario} --traces {root}";

    /// <summary>The command that regenerates the folder <paramref name="meta"/> describes (a shrunk one: its family, shrunk again).</summary>
    public static string RegenerateCommand(TraceMeta meta)
    {
        ArgumentNullException.ThrowIfNull(meta);
        var shrink = meta.ShrunkFrom is null ? "" : " --shrink";
        var calibration = meta.Calibration is { } c ? $" --calibration {c.ToString(System.Globalization.CultureInfo.InvariantCulture)}" : "";
        return (meta.ShrunkFrom ?? meta.Scenario) == ScenarioCatalogue.GivenName
            ? $"dotnet run --project src/ClaimVerified.Cli -- explore --config FILE --profile {meta.Profile}{shrink}{calibration} (FILE: the "
                + "configuration of meta.json, as JSON)"
            : RegenerateCommand(meta.Profile, meta.ShrunkFrom ?? meta.Scenario) + shrink
                + (meta.Budget is { } budget ? $" --iterations {budget.ToString(System.Globalization.CultureInfo.InvariantCulture)}" : "")
                + calibration;
    }

    /// <summary>
    /// Writes the counterexample's folder under <paramref name="root"/> and returns its path. A violation of the
    /// generated family comes with its attribution, which names the finding (the manifest row does for a staged one).
    /// </summary>
    /// <param name="shrunk">Set when the counterexample is a shrunk configuration's (a given one): its folder is the
    /// family's, and its README says what it was shrunk from.</param>
    /// <param name="budget">The schedules the run gave the cell, when it chose them (explore --iterations): recorded so
    /// that the regenerate command explores as far.</param>
    /// <param name="calibration">The schedules its attributions gave their calibration, when the run chose them
    /// (explore --calibration): recorded so that the regenerate command attributes alike.</param>
    public static string Write(string root, Counterexample counterexample, ExpectedResults? manifest = null, Attributed? attributed = null,
        ShrinkNote? shrunk = null, uint? budget = null, uint? calibration = null)
    {
        ArgumentNullException.ThrowIfNull(counterexample);
        var result = counterexample.Result;
        var property = result.PropertyId ?? "unknown";
        var config = counterexample.Configuration;
        var scenario = ScenarioOf(result.ScenarioName, config);
        var folder = Path.Combine(root, RelativePath(result.ProfileName, shrunk?.Family ?? result.ScenarioName, property, attributed?.Label));
        Directory.CreateDirectory(folder);
        var row = manifest?.Results.FirstOrDefault(r => r.Profile == result.ProfileName && r.Scenario == (shrunk?.Family ?? result.ScenarioName));
        var findingId = attributed?.Label ?? row?.FindingFor(property);
        var meta = new TraceMeta(TraceMeta.CurrentFormatVersion, result.ProfileName, result.ScenarioName, property, findingId,
            result.BugMessage!, result.Strategy.ToString().ToLowerInvariant(), result.Seed, result.Iterations,
            counterexample.History.Count, CoyoteVersion, Fingerprint.Current, config, shrunk?.Family, budget, calibration);
        var timeline = counterexample.Timeline;
        var traceFile = Path.Combine(folder, TraceFileName(scenario));
        // An earlier write into the same folder may have come from another scenario method (a drawn cell's, then a given
        // configuration's shrunk one): its .trace would stay beside the new one, and `dotnet coyote replay` (or a reader
        // choosing by name) could take the stale one.
        foreach (var stale in Directory.GetFiles(folder, "*.trace").Where(f => Path.GetFileName(f) != Path.GetFileName(traceFile)))
        {
            File.Delete(stale);
        }

        File.WriteAllText(traceFile, result.ReproducibleTrace);
        File.WriteAllText(Path.Combine(folder, TraceMeta.FileName), meta.ToJson());
        File.WriteAllText(Path.Combine(folder, TimelineFile), TimelineText.Render(timeline));
        File.WriteAllText(Path.Combine(folder, MermaidFile), TimelineMermaid.Render(timeline));
        var finding = findingId is not null && manifest is not null ? manifest.Findings.GetValueOrDefault(findingId) : null;
        File.WriteAllText(Path.Combine(folder, ReadmeFile), Readme(meta, scenario, finding, attributed, timeline, shrunk));
        return folder;
    }

    /// <summary>The scenario a trace was recorded on: a catalogue name, or a given configuration's runs.</summary>
    private static Scenario ScenarioOf(string name, GeneratedConfig? config) =>
        name == ScenarioCatalogue.GivenName && config is not null ? ScenarioCatalogue.Given(config) : ScenarioCatalogue.Get(name);

    /// <summary>Reads and checks a trace folder; anything unusable is a <see cref="TraceException"/> saying what to do.</summary>
    public static (TraceMeta Meta, string Trace, Profile Profile, Scenario Scenario) Load(string folder)
    {
        if (File.Exists(folder) && folder.EndsWith(".trace", StringComparison.Ordinal))
        {
            folder = Path.GetDirectoryName(Path.GetFullPath(folder))!;
        }

        if (!Directory.Exists(folder))
        {
            throw new TraceException($"no trace folder at {folder}", "give a folder under traces/ (see `claimverify explore --help`)");
        }

        var metaPath = Path.Combine(folder, TraceMeta.FileName);
        if (!File.Exists(metaPath))
        {
            throw new TraceException($"{folder} has no {TraceMeta.FileName}: it is not a trace folder", "give a folder written by `claimverify explore`");
        }

        var meta = TraceMeta.Parse(File.ReadAllText(metaPath), metaPath);
        if (meta.FormatVersion != TraceMeta.CurrentFormatVersion)
        {
            throw new TraceException(
                $"{folder} has trace format {meta.FormatVersion}; this build reads format {TraceMeta.CurrentFormatVersion}",
                "regenerate it: " + RegenerateCommand(meta));
        }

        if (!Catalogue.TryGet(meta.Profile, out var profile))
        {
            throw new TraceException($"{metaPath} names an unknown profile '{meta.Profile}'",
                $"the profiles are: {string.Join(", ", Catalogue.All.Select(p => p.Name))}");
        }

        if (meta.Scenario == ScenarioCatalogue.GivenName && meta.Configuration is not null)
        {
            if (meta.Configuration.Validate(profile) is { } problem)
            {
                throw new TraceException($"{metaPath} records a configuration that cannot run on {profile.Name}: {problem}",
                    "regenerate it with `claimverify explore --config FILE`");
            }
        }
        else if (!ScenarioCatalogue.TryGet(meta.Scenario, out _))
        {
            throw new TraceException($"{metaPath} names an unknown scenario '{meta.Scenario}'",
                $"the scenarios are: {string.Join(", ", ScenarioCatalogue.All.Select(s => s.Name))}");
        }

        var scenario = ScenarioOf(meta.Scenario, meta.Configuration);
        var tracePath = Path.Combine(folder, TraceFileName(scenario));
        if (!File.Exists(tracePath))
        {
            throw new TraceException($"{folder} has no {TraceFileName(scenario)}", "regenerate it: " + RegenerateCommand(meta));
        }

        var trace = File.ReadAllText(tracePath);
        if (string.IsNullOrWhiteSpace(trace) || !trace.TrimStart().StartsWith('{'))
        {
            throw new TraceException($"{tracePath} is not a Coyote trace", "regenerate it: " + RegenerateCommand(meta));
        }

        return (meta, trace, profile, scenario);
    }

    /// <summary>
    /// Replays a trace folder and checks that the same property breaks with the same message. A trace that no longer
    /// reproduces fails with the reason (other code, or the same code but a different result) and the command that
    /// regenerates it.
    /// </summary>
    public static ReplayOutcome Replay(string folder)
    {
        var (meta, trace, profile, scenario) = Load(folder);
        var sameCode = meta.CodeFingerprint == Fingerprint.Current;
        ExplorationResult result;
        IReadOnlyList<HistoryEntry> history;
        IReadOnlyList<PendingCall> inFlight;
        try
        {
            // Judged by the recorded property alone (when the catalogue still has it): the replay stops at its break.
            var only = Specification.Properties.PropertyCatalogue.Contains(meta.Property) ? meta.Property : null;
            (result, var world) = Explorer.Replay(profile, scenario, trace, only);
            history = world?.History.Entries.ToArray() ?? [];
            inFlight = world?.History.Pending ?? [];
        }
        catch (Exception e) when (e is not TraceException)
        {
            throw NotReproduced(meta, sameCode, $"the replay failed: {e.Message}");
        }

        if (result.BugMessage != meta.Message)
        {
            throw NotReproduced(meta, sameCode, result.BugMessage is null
                ? "the replay found no violation"
                : $"the replay found a different violation: {result.BugMessage}");
        }

        return new ReplayOutcome(meta, result,
            new Timeline(meta.Profile, meta.Scenario, result.BugMessage, history, meta.Configuration?.Describe(), inFlight), sameCode);
    }

    private static TraceException NotReproduced(TraceMeta meta, bool sameCode, string what)
    {
        var why = sameCode
            ? $"the trace does not reproduce {meta.Property} on the code it was recorded on ({meta.CodeFingerprint}): {what}"
            : $"the trace was recorded by a different version of the code ({meta.CodeFingerprint}; this build is {Fingerprint.Current}) and no longer reproduces: {what}";
        return new TraceException(why, "regenerate it: " + RegenerateCommand(meta));
    }

    public static string CoyoteVersion =>
        typeof(Microsoft.Coyote.Configuration).Assembly.GetName().Version?.ToString(3) ?? "unknown";

    private static string Readme(TraceMeta meta, Scenario scenario, Finding? finding, Attributed? attributed, Timeline timeline, ShrinkNote? shrunk)
    {
        var text = new StringBuilder();
        text.Append("# ").Append(meta.Profile).Append(" · ").Append(meta.Scenario).Append(" · ").Append(meta.Property).Append("\n\n");
        text.Append("**What happened.** ").Append(meta.Message).Append("\n\n");
        text.Append("**The scenario.** ").Append(scenario.Summary).Append(". Coyote found this interleaving after ")
            .Append(meta.IterationsToBug).Append(" schedule(s) (").Append(meta.Strategy).Append(" strategy, seed ").Append(meta.Seed)
            .Append(meta.Configuration is null
                ? "); it is the shortest of several explorations, "
                : "), the first violation of this property attributed to this finding in a whole-budget exploration, ")
            .Append(meta.Operations).Append(" operations long.\n\n");
        if (meta.Configuration is { } config)
        {
            text.Append(shrunk is null
                ? "**The configuration.** Drawn at the start of the run (a replay draws it again):\n\n"
                : shrunk.Family == ScenarioCatalogue.GivenName
                    ? $"**The configuration.** Given as data, then {shrunk.How}; given to this run as data:\n\n"
                    : $"**The configuration.** Drawn in a {shrunk.Family} run, then {shrunk.How}; given to this run as data:\n\n");
            foreach (var line in config.Describe())
            {
                text.Append("- ").Append(line).Append('\n');
            }

            text.Append('\n');
        }

        if (attributed is not null)
        {
            text.Append("**Attribution.** ").Append(attributed.IsNew ? "New: " : attributed.IsInconclusive ? "Inconclusive: " : attributed.IsModelFailure ? "Model failure: " : attributed.IsCompound ? $"{attributed.Label}: " : "")
                .Append(attributed.Why).Append(" (the configuration re-explored with one known fix applied at a time).\n\n");
        }

        if (finding is not null)
        {
            text.Append("**Why it matters.** ").Append(finding.Title).Append(". ").Append(finding.Explanation).Append("\n\n");
            text.Append("**Fixed by.** ").Append(finding.FixedBy).Append(".\n\n");
            if (finding.Changed is not null)
            {
                text.Append("**What changed.** ").Append(finding.Changed).Append("\n\n");
            }
        }

        text.Append("## Timeline\n\n```\n").Append(TimelineText.Render(timeline)).Append("```\n\n");
        text.Append("## Replay\n\n```\n");
        text.Append("dotnet build\n");
        var folder = Path.Combine("traces", RelativePath(meta.Profile, meta.ShrunkFrom ?? meta.Scenario, meta.Property, attributed?.Label)).Replace('\\', '/');
        text.Append("CLAIMVERIFIED_PROFILE=").Append(meta.Profile)
            .Append(meta.Scenario == ScenarioCatalogue.GivenName ? $" CLAIMVERIFIED_CONFIG={folder}/{TraceMeta.FileName}" : "")
            .Append(" dotnet coyote replay model/ClaimVerified.Model/bin/Debug/net10.0/ClaimVerified.Model.dll \\\n    ")
            .Append(folder).Append('/').Append(TraceFileName(scenario)).Append(" -m ").Append(scenario.EntryPoint).Append('\n');

        text.Append("dotnet run --project src/ClaimVerified.Cli -- replay ").Append(folder).Append('\n');
        text.Append("```\n\nRegenerate (after the code changed): `").Append(RegenerateCommand(meta)).Append("`\n");
        return text.ToString();
    }
}
