using System.Text.Json;
using System.CommandLine;
using ClaimVerified.Model.Conformance;
using ClaimVerified.Model.Exhaustive;
using ClaimVerified.Model.Exploration;
using ClaimVerified.Model.Linearizability;
using ClaimVerified.Model.Manifest;
using ClaimVerified.Model.Protocol;
using ClaimVerified.Profiles;
using ClaimVerified.Specification;
using ClaimVerified.Specification.Properties;

namespace ClaimVerified.Cli.Commands;

/// <summary>
/// claimverify spec-check / run / vectors: what a reference for other implementations offers. spec-check explores
/// every state of the sequential specification within a bound; run executes an operation script on the core and on the
/// specification; vectors generates conformance scripts from the specification.
/// </summary>
public static class ReferenceCommands
{
    public static Command CreateSpecCheck(TextWriter output, TextWriter error)
    {
        var profile = new Option<string>("--profile") { Description = "The profile to check", Required = true };
        var bound = new Option<string>("--bound")
        {
            Description = "nodes=N pages=P domains=D sizes=a,b [llc] [without=offline,maxmem,...]",
            DefaultValueFactory = _ => "nodes=1 pages=3 domains=2 sizes=1,3 without=offline,maxmem",
        };
        var maxStates = new Option<long>("--max-states") { Description = "Stop (incomplete) after this many states", DefaultValueFactory = _ => 2_000_000 };
        var maxSeconds = new Option<double>("--max-seconds") { Description = "Stop (incomplete) after this long", DefaultValueFactory = _ => 60 };
        var engine = new Option<string>("--engine")
        {
            Description = "packed (rows of integers, the default) or records (the readable specification; same results, slower)",
            DefaultValueFactory = _ => "packed",
        };
        var threads = new Option<int>("--threads")
        {
            Description = "Worker threads of the packed engine (default: one per core); the results do not depend on it",
            DefaultValueFactory = _ => Environment.ProcessorCount,
        };
        var symmetry = new Option<bool>("--symmetry")
        {
            Description = "Reduce by domain symmetry (domains that differ only by id are one state): counts orbits, and the states they stand for",
        };
        var json = ListCommands.JsonOption();
        var command = new Command("spec-check", "Explore every reachable state of the specification within a bound and check every property")
        {
            profile, bound, maxStates, maxSeconds, engine, threads, symmetry, json,
        };
        command.SetAction(parsed => Names.Guard(output, error, parsed.GetValue(json), () =>
        {
            var asJson = parsed.GetValue(json);
            var chosen = Names.Profile(parsed.GetValue(profile));
            var (parsedBound, limits, chosenEngine) = SpecCheckArguments(
                parsed.GetValue(bound)!, parsed.GetValue(maxStates), parsed.GetValue(maxSeconds), parsed.GetValue(threads), parsed.GetValue(engine));
            var symmetric = parsed.GetValue(symmetry);
            if (symmetric && (chosenEngine != SpecEngine.Packed ? "it is the packed engine's" : DomainSymmetry.Refusal(chosen, parsedBound)) is { } refusal)
            {
                throw new UsageException($"--symmetry refused: {refusal}", "run without --symmetry, or change the bound as it says");
            }

            // Progress on stderr every few seconds (stdout stays the result, --json too); Ctrl-C stops the search, which
            // still reports the shortest counterexamples found so far.
            using var interrupt = new CancellationTokenSource();
            ConsoleCancelEventHandler onCancel = (_, e) =>
            {
                e.Cancel = true;
                interrupt.Cancel();
            };
            Console.CancelKeyPress += onCancel;
            SpecCheckResult result;
            try
            {
                result = SpecChecker.Check(chosen, parsedBound,
                    limits with { Cancellation = interrupt.Token, Progress = p => error.WriteLine(p.Render()) }, chosenEngine, symmetric);
            }
            finally
            {
                Console.CancelKeyPress -= onCancel;
            }

            var judged = SpecCheckResults.Load().Judge(result);
            return Report(output, asJson, judged, result.Render(), new
            {
                profile = result.Profile,
                bound = result.Bound.ToArguments(),
                status = result.Status,
                verdict = result.Verdict,
                states = result.States,
                statesWithSymmetryOff = result.StatesWithSymmetryOff,
                transitions = result.Transitions,
                depth = result.Depth,
                seconds = result.Elapsed.TotalSeconds,
                engine = chosenEngine.ToString().ToLowerInvariant(),
                threads = chosenEngine == SpecEngine.Packed ? parsed.GetValue(threads) : 1,
                statesPerSecond = result.StatesPerSecond,
                transitionsPerSecond = result.TransitionsPerSecond,
                violations = result.Violations.Select(v => new { property = v.Property, detail = v.Detail, steps = v.Steps }),
            });
        }));
        return command;
    }

    /// <summary>spec-check's bound, limits and engine, or the usage error that says which is wrong.</summary>
    private static (SpecBound Bound, SpecCheckLimits Limits, SpecEngine Engine) SpecCheckArguments(
        string bound, long maxStates, double maxSeconds, int threads, string? engine)
    {
        var parsedBound = SpecBound.Parse(bound, out var problem)
            ?? throw new UsageException($"bad --bound: {problem}", "write it as: nodes=1 pages=3 domains=2 sizes=1,3");
        if (maxStates is < 1 or > 200_000_000 || maxSeconds is <= 0 or > 86_400)
        {
            throw new UsageException("--max-states must be 1..200000000 and --max-seconds 0..86400", "give smaller limits");
        }

        if (threads is < 1 or > SpecCheckLimits.MaxThreads)
        {
            throw new UsageException($"--threads must be 1..{SpecCheckLimits.MaxThreads}", "give fewer threads");
        }

        if (engine is not { Length: > 0 } engineName || !char.IsLetter(engineName[0])
            || !Enum.TryParse<SpecEngine>(engineName, ignoreCase: true, out var chosenEngine))
        {
            throw new UsageException($"unknown --engine '{engine}'", "use --engine packed or --engine records");
        }

        return (parsedBound, new SpecCheckLimits(maxStates, maxSeconds, Threads: threads), chosenEngine);
    }

    /// <summary>
    /// A checker's result with the manifest's judgement: as JSON (its fields, then judgement and deviation) or as text
    /// (then the judgement in words); the exit code is the judgement's.
    /// </summary>
    private static int Report(TextWriter output, bool json, Judged judged, string text, object fields)
    {
        if (json)
        {
            var node = JsonSerializer.SerializeToNode(fields, CliJson.Options)!.AsObject();
            node["judgement"] = JsonSerializer.SerializeToNode(judged.Judgement, CliJson.Options);
            node["deviation"] = judged.Deviation;
            output.WriteLine(node.ToJsonString(CliJson.Options));
        }
        else
        {
            WriteLine(output, text);
            WriteJudgement(output, judged);
        }

        return ExitCode.Of([judged.Judgement]);
    }

    /// <summary>The manifest's word on a result, as explore gives it per cell.</summary>
    private static void WriteJudgement(TextWriter output, Judged judged) =>
        output.WriteLine(judged.Judgement switch
        {
            Judgement.AsExpected => "as the manifest expects",
            Judgement.NoExpectation => "no expectation: the manifest has no entry for this (say so in its table to have it judged)",
            _ => $"NOT AS EXPECTED: {judged.Deviation}",
        });

    private static void WriteLine(TextWriter output, string text)
    {
        output.Write(text);
        if (!text.EndsWith('\n'))
        {
            output.WriteLine();
        }
    }

    public static Command CreateLinearize(TextWriter output, TextWriter error)
    {
        var profile = new Option<string>("--profile") { Description = "The profile", Required = true };
        var scenario = new Option<string>("--scenario") { Description = "The scenario", Required = true };
        var iterations = new Option<uint>("--iterations") { Description = "Executions to explore and check", DefaultValueFactory = _ => 100 };
        var seed = new Option<uint>("--seed") { Description = "The seed", DefaultValueFactory = _ => 17 };
        var json = ListCommands.JsonOption();
        var command = new Command("linearize", "Check that the core's concurrent histories in a scenario linearize against the specification")
        {
            profile, scenario, iterations, seed, json,
        };
        command.SetAction(parsed => Names.Guard(output, error, parsed.GetValue(json), () =>
        {
            var asJson = parsed.GetValue(json);
            var chosen = Names.Profile(parsed.GetValue(profile));
            var where = Names.Scenario(parsed.GetValue(scenario));

            if (parsed.GetValue(iterations) is 0 or > 1_000_000)
            {
                return CliJson.Fail(output, error, asJson, "--iterations must be 1..1000000", "give a smaller number");
            }

            var result = LinearizabilityExplorer.Explore(chosen, where, new ExplorationOptions(parsed.GetValue(iterations), Strategy.Portfolio, parsed.GetValue(seed)));
            var judged = LinearizabilityResults.Load().Judge(result);
            return Report(output, asJson, judged, result.Render(), new
            {
                profile = result.Profile,
                scenario = result.Scenario,
                status = result.Status,
                verdict = result.Verdict,
                iterations = result.Iterations,
                firstBadIteration = result.FirstBadIteration,
                evidence = result.Evidence is null ? null : LinearizabilityChecker.RenderTable(result.Evidence.Evidence),
                seconds = result.Elapsed.TotalSeconds,
            });
        }));
        return command;
    }

    public static Command CreateRun(TextWriter output, TextWriter error)
    {
        var script = new Argument<string>("SCRIPT") { Description = "An operation script (see traces/conformance/FORMAT.md)" };
        var profile = new Option<string?>("--profile") { Description = "Run with this profile instead of the script's" };
        var json = ListCommands.JsonOption();
        var command = new Command("run", "Run an operation script on the core and on the specification and compare both with its expectations")
        {
            script, profile, json,
        };
        command.SetAction(parsed => Names.Guard(output, error, parsed.GetValue(json), () =>
        {
            var asJson = parsed.GetValue(json);
            var path = parsed.GetValue(script)!;
            if (!File.Exists(path))
            {
                return CliJson.Fail(output, error, asJson, $"no script at {path}", "give the path of a script file");
            }

            var name = parsed.GetValue(profile);
            if (name is not null)
            {
                Names.Profile(name);
            }

            var result = ScriptRunner.Run(File.ReadAllText(path), name, path);
            if (asJson)
            {
                CliJson.Write(output, result);
            }
            else
            {
                WriteLine(output, result.Render());
            }

            return result.SyntaxError is not null ? ExitCode.Usage
                : result.Passed ? ExitCode.AsExpected
                : ExitCode.UnexpectedViolation;
        }));
        return command;
    }

    private static int WriteJsonLines(TextWriter output, string folder, bool alone)
    {
        if (!alone)
        {
            throw new UsageException("--json-lines takes no --profile or --out", "give only the folder of .cvs vectors");
        }

        if (!Directory.Exists(folder))
        {
            throw new UsageException($"no folder at {folder}", "give the folder of .cvs vectors, e.g. traces/conformance");
        }

        try
        {
            output.WriteLine($"{VectorJson.WriteAll(folder)} vectors written as JSON lines under {folder}");
        }
        catch (ProtocolException e)
        {
            throw new UsageException(e.Message, "fix the vector: `claimverify run` on it says what is wrong");
        }

        return ExitCode.AsExpected;
    }

    public static Command CreateVectors(TextWriter output, TextWriter error)
    {
        var profile = new Option<string?>("--profile") { Description = "The profile to generate vectors for (with --out)" };
        var outDir = new Option<string?>("--out") { Description = "Where the .cvs scripts (and their .jsonl) go" };
        var jsonLines = new Option<string?>("--json-lines")
        {
            Description = "Instead: write the JSON-lines form (.jsonl, traces/conformance/vector.schema.json) of every .cvs under this folder",
        };
        var json = ListCommands.JsonOption();
        var command = new Command("vectors", "Generate conformance vectors from the specification, covering every rule the profile can reach")
        {
            profile, outDir, jsonLines, json,
        };
        command.SetAction(parsed => Names.Guard(output, error, parsed.GetValue(json), () =>
        {
            var asJson = parsed.GetValue(json);
            if (parsed.GetValue(jsonLines) is { } folder)
            {
                return WriteJsonLines(output, folder, parsed.GetValue(profile) is null && parsed.GetValue(outDir) is null);
            }

            var chosen = Names.Profile(parsed.GetValue(profile)
                ?? throw new UsageException("--profile is missing", "give --profile P --out DIR, or --json-lines DIR"));
            var directory = parsed.GetValue(outDir) ?? throw new UsageException("--out is missing", "give the folder the vectors go to");
            Files.EnsureFolder(directory);
            foreach (var stale in Directory.GetFiles(directory, "*.cvs"))
            {
                File.Delete(stale);
            }

            var set = Vectors.Generate(chosen, directory);
            VectorJson.WriteAll(directory);
            if (asJson)
            {
                CliJson.Write(output, new
                {
                    profile = set.Profile,
                    vectors = set.Vectors.Select(v => new { name = v.Name, rules = v.Rules }),
                    coverage = set.Coverage,
                    covered = set.Covered,
                    uncovered = set.Uncovered,
                    directory,
                });
            }
            else
            {
                output.WriteLine(set.Render());
                output.WriteLine($"written to {directory}");
            }

            return ExitCode.AsExpected;
        }));
        return command;
    }
}
