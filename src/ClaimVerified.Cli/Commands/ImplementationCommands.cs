using System.CommandLine;
using ClaimVerified.Model.Manifest;
using ClaimVerified.Model.Protocol;

namespace ClaimVerified.Cli.Commands;

/// <summary>
/// claimverify check-impl / serve: implementations we did not write, checked through the protocol of
/// docs/protocol.md. check-impl runs a child process that speaks it; serve is this repository's core speaking it
/// (with --fault, a deliberately wrong one).
/// </summary>
public static class ImplementationCommands
{
    public static Command CreateCheckImpl(TextWriter output, TextWriter error)
    {
        var profile = new Option<string>("--profile") { Description = "The profile the implementation claims to implement", Required = true };
        var clients = new Option<int>("--clients") { Description = "Clients of the concurrent phase", DefaultValueFactory = _ => 3 };
        var ops = new Option<int>("--ops") { Description = "Calls per client in each concurrent history", DefaultValueFactory = _ => 8 };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the random phases", DefaultValueFactory = _ => 1 };
        var sequences = new Option<int>("--sequences") { Description = "Random sequences of the sequential phase", DefaultValueFactory = _ => 40 };
        var histories = new Option<int>("--histories") { Description = "Histories of the concurrent phase", DefaultValueFactory = _ => 20 };
        var timeout = new Option<double>("--timeout") { Description = "Seconds to wait for each answer", DefaultValueFactory = _ => 10 };
        var vectors = new Option<string?>("--vectors") { Description = "The folder of conformance vectors (default traces/conformance/<profile>)" };
        var phases = new Option<string[]>("--phases")
        {
            Description = "Which phases: vectors, sequential, concurrent (default all)",
            AllowMultipleArgumentsPerToken = true,
        };
        var yield = new Option<bool>("--yield") { Description = "Ask the implementation to widen its race windows (hello's \"yield\")" };
        var json = ListCommands.JsonOption();
        var command = new Argument<string[]>("command") { Description = "-- COMMAND [ARGS]: the implementation to start", Arity = ArgumentArity.OneOrMore };
        var check = new Command("check-impl", "Check an implementation that speaks the protocol of docs/protocol.md: vectors, random sequences, concurrent histories")
        {
            profile, clients, ops, seed, sequences, histories, timeout, vectors, phases, yield, json, command,
        };
        check.SetAction(parsed => Names.Guard(output, error, parsed.GetValue(json), () =>
        {
            var options = new ImplementationCheckOptions(Names.Profile(parsed.GetValue(profile)), parsed.GetValue(clients), parsed.GetValue(ops),
                parsed.GetValue(seed), parsed.GetValue(sequences), Histories: parsed.GetValue(histories), VectorsFolder: parsed.GetValue(vectors),
                Phases: Phases(parsed.GetValue(phases)), Yield: parsed.GetValue(yield));
            if (options.Validate() is { } problem)
            {
                throw new UsageException(problem, "run `claimverify check-impl --help` for the limits");
            }

            var seconds = parsed.GetValue(timeout);
            if (seconds is <= 0 or > 3600)
            {
                throw new UsageException($"--timeout must be above 0 and at most 3600 seconds, was {seconds}", "give the seconds to wait for each answer");
            }

            var (program, arguments) = parsed.GetValue(command) is [var first, .. var rest] ? (first, rest)
                : throw new UsageException("no implementation to start", "give it after --, e.g. check-impl --profile reference -- ./my-impl --stdio");
            ImplementationCheckReport report;
            try
            {
                using var process = ImplementationProcess.Start(program, arguments, TimeSpan.FromSeconds(seconds));
                report = ImplementationCheck.Run(process, options);
            }
            catch (ImplementationFailure e)
            {
                report = new ImplementationCheckReport(options.Profile.Name, program, [], e.Message);
            }

            if (parsed.GetValue(json))
            {
                CliJson.Write(output, new
                {
                    profile = report.Profile,
                    implementation = report.Implementation,
                    passed = report.Passed,
                    broken = report.Broken,
                    phases = report.Phases.Select(p => new { phase = p.Phase, verdict = p.Verdict, summary = p.Summary, detail = p.Detail }),
                });
            }
            else
            {
                output.WriteLine(report.Render());
            }

            return report.Passed ? ExitCode.AsExpected : ExitCode.UnexpectedViolation;
        }));
        return check;
    }

    public static Command CreateServe(TextWriter output, TextWriter error)
    {
        var fault = new Option<string?>("--fault")
        {
            Description = $"Serve a deliberately wrong implementation: {string.Join(", ", ServeFault.ByName.Keys)}",
        };
        var command = new Command("serve", "Speak the protocol of docs/protocol.md on stdin/stdout with this repository's core (what check-impl checks)") { fault };
        command.SetAction(parsed => Names.Guard(output, error, false, () =>
        {
            var name = parsed.GetValue(fault);
            var chosen = name is null ? ServeFault.None
                : ServeFault.ByName.TryGetValue(name, out var make) ? make()
                : throw new UsageException($"unknown fault '{name}'", $"one of: {string.Join(", ", ServeFault.ByName.Keys)}");
            return new ProtocolServer(chosen).Serve(Console.In, output, error);
        }));
        return command;
    }

    private static HashSet<CheckPhase>? Phases(string[]? names)
    {
        if (names is not { Length: > 0 })
        {
            return null;
        }

        return names.SelectMany(n => n.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .Select(n => Enum.TryParse<CheckPhase>(n, ignoreCase: true, out var phase) && Enum.IsDefined(phase) && !int.TryParse(n, out _) ? phase
                : throw new UsageException($"unknown phase '{n}'", "one or more of: vectors, sequential, concurrent"))
            .ToHashSet();
    }
}
