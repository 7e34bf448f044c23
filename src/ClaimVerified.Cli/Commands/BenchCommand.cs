using System.CommandLine;
using ClaimVerified.Model.Benchmarks;
using ClaimVerified.Model.Exhaustive;
using ClaimVerified.Model.Exploration;
using ClaimVerified.Model.Manifest;
using ClaimVerified.Specification.Properties;

namespace ClaimVerified.Cli.Commands;

/// <summary>
/// claimverify bench speed|ttfb|spec|findings|rates: the checker's power, measured. spec: the exhaustive checker's engines on one bound. speed: schedules per second per scenario and the
/// share of time spent in our property checks; ttfb: schedules and seconds to the first bug of every expected
/// violation, per strategy, median and worst over widely spaced seeds; findings: schedules to first meet each finding a
/// drawn row expects, median and worst over seeds; rates: violations of each property a thousand drawn schedules. Run from a Release build for figures that mean
/// something: dotnet run -c Release --project src/ClaimVerified.Cli -- bench ...
/// </summary>
public static class BenchCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var command = new Command("bench", "Measure the checker: exploration speed (speed), time to the first bug (ttfb), exhaustive checking (spec), time to each drawn finding (findings), violations (rates) and meetings of each finding (meetings) a thousand drawn schedules");
        command.Subcommands.Add(CreateSpeed(output, error));
        command.Subcommands.Add(CreateTimeToFirstBug(output, error));
        command.Subcommands.Add(CreateSpecCheck(output, error));
        command.Subcommands.Add(CreateTimeToFinding(output, error));
        command.Subcommands.Add(CreateRates(output, error));
        command.Subcommands.Add(CreateMeetings(output, error));
        return command;
    }

    private static Command CreateSpecCheck(TextWriter output, TextWriter error)
    {
        var profile = new Option<string>("--profile") { Description = "The profile", DefaultValueFactory = _ => "reference" };
        var bound = new Option<string>("--bound")
        {
            Description = "The bound (spec-check's syntax); it must complete",
            DefaultValueFactory = _ => "nodes=2 pages=2 domains=2 sizes=2,4 without=offline,maxmem",
        };
        var repeats = new Option<int>("--repeats") { Description = "Runs per engine (median)", DefaultValueFactory = _ => 3 };
        var threads = new Option<int>("--threads") { Description = "Threads of the parallel packed run", DefaultValueFactory = _ => Environment.ProcessorCount };
        var versus = new Option<string?>("--vs")
        {
            Description = "Instead: spec-check against spin and/or rumur (comma-separated) on the bound, each in its fastest exhaustive mode on --threads",
        };
        var outFile = Out();
        var command = new Command("spec", "The exhaustive checker's engines on one bound: records (baseline), packed on one thread, on every core")
        {
            profile, bound, repeats, threads, versus, outFile,
        };
        command.SetAction(parsed => Names.Guard(output, error, json: false, () =>
        {
            var chosen = Names.Profile(parsed.GetValue(profile));
            var parsedBound = SpecBound.Parse(parsed.GetValue(bound)!, out var problem) ?? throw new UsageException($"bad --bound: {problem}", "write it as: nodes=1 pages=3 domains=2 sizes=1,3");
            if (parsed.GetValue(threads) is < 1 or > SpecCheckLimits.MaxThreads || parsed.GetValue(repeats) is < 1 or > 100)
            {
                throw new UsageException($"--threads must be 1..{SpecCheckLimits.MaxThreads} and --repeats 1..100", "give smaller numbers");
            }

            if (parsed.GetValue(versus) is { } names)
            {
                var checkers = names.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct().ToArray();
                if (checkers.Length == 0 || checkers.Any(c => c is not ("spin" or "rumur")))
                {
                    throw new UsageException($"--vs takes spin, rumur or both, not '{names}'", "for example --vs spin,rumur");
                }

                if (checkers.Select(ExternalCheckers.Missing).FirstOrDefault(m => m is not null) is { } missing)
                {
                    throw new UsageException(missing, "install them (apt-get install spin rumur gcc), or leave --vs out");
                }

                IReadOnlyList<ExternalRun> runs;
                try
                {
                    runs = SideBySide.Measure(chosen, parsedBound, parsed.GetValue(threads), checkers, error.WriteLine);
                }
                catch (ArgumentException e)
                {
                    throw new UsageException(e.Message, "choose a bound the models cover and that completes (model/CrossCheck/README.md)");
                }
                catch (Exception e) when (e is InvalidOperationException or TimeoutException)
                {
                    // An external checker failed, disagreed or ran out of time: say which and how, without a stack trace.
                    return CliJson.Fail(output, error, false, e.Message, "run it by hand in model/CrossCheck (README) to see more", ExitCode.UnexpectedViolation);
                }

                return Emit(output, SideBySide.Render(chosen, parsedBound, runs), parsed.GetValue(outFile));
            }

            var rows = SpecCheckSpeed.Measure(chosen, parsedBound, parsed.GetValue(repeats), parsed.GetValue(threads), error.WriteLine);
            return Emit(output, SpecCheckSpeed.Render(chosen, parsedBound, rows), parsed.GetValue(outFile));
        }));
        return command;
    }

    private static Option<string[]> ProfileOption() => new("--profile") { Description = "A profile (repeatable; default: all with work to do)" };

    private static Option<string[]> ScenarioOption() => new("--scenario") { Description = "A scenario (repeatable; default: all)" };

    private static Option<string?> Out() => new("--out") { Description = "Also write the Markdown table to this file" };

    private static Command CreateSpeed(TextWriter output, TextWriter error)
    {
        var profiles = ProfileOption();
        var scenarios = ScenarioOption();
        var strategy = new Option<Strategy>("--strategy") { DefaultValueFactory = _ => Strategy.Portfolio };
        var iterations = new Option<uint>("--iterations") { Description = "Schedules per scenario", DefaultValueFactory = _ => 500 };
        var outFile = Out();
        var command = new Command("speed", "Schedules per second per scenario, and the share of time in our property checks")
        {
            profiles, scenarios, strategy, iterations, outFile,
        };
        command.SetAction(parsed => Names.Guard(output, error, json: false, () =>
        {
            var (profileNames, scenarioNames) = Selection(parsed, profiles, scenarios);
            var rows = CheckerPower.ExplorationSpeed(new ExplorationSpeedOptions
            {
                Profiles = profileNames,
                Scenarios = scenarioNames,
                Strategy = parsed.GetValue(strategy),
                Iterations = parsed.GetValue(iterations),
            }, error.WriteLine);
            return Emit(output, CheckerPower.Render(rows), parsed.GetValue(outFile));
        }));
        return command;
    }

    private static Command CreateTimeToFirstBug(TextWriter output, TextWriter error)
    {
        var profiles = ProfileOption();
        var scenarios = ScenarioOption();
        var strategies = new Option<Strategy[]>("--strategy") { Description = "A strategy (repeatable; default: all six)" };
        var seeds = new Option<int>("--seeds") { Description = "Seeds per cell and strategy (spaced 1000003 apart)", DefaultValueFactory = _ => 20 };
        var budget = new Option<uint?>("--budget") { Description = "Schedules per run (default: the manifest's budget)" };
        var outFile = Out();
        var command = new Command("ttfb", "Schedules and seconds to the first bug of each expected violation, per strategy")
        {
            profiles, scenarios, strategies, seeds, budget, outFile,
        };
        command.SetAction(parsed => Names.Guard(output, error, json: false, () =>
        {
            if (parsed.GetValue(seeds) is < 1 or > 1000)
            {
                throw new UsageException("--seeds must be 1..1000", "give a smaller number");
            }

            var (profileNames, scenarioNames) = Selection(parsed, profiles, scenarios);
            var rows = CheckerPower.TimeToFirstBug(new TimeToFirstBugOptions
            {
                Profiles = profileNames,
                Scenarios = scenarioNames,
                Strategies = parsed.GetValue(strategies) ?? [],
                Seeds = parsed.GetValue(seeds),
                Budget = parsed.GetValue(budget),
            }, error.WriteLine);
            return Emit(output, CheckerPower.Render(rows), parsed.GetValue(outFile));
        }));
        return command;
    }

    private static Command CreateTimeToFinding(TextWriter output, TextWriter error)
    {
        var profiles = ProfileOption();
        var scenarios = new Option<string[]>("--scenario") { Description = "A drawn scenario (repeatable; default: generated)" };
        var seeds = new Option<int>("--seeds") { Description = "Seeds per cell (spaced 1000003 apart; the first is the manifest's 17)", DefaultValueFactory = _ => 20 };
        var cap = new Option<uint>("--cap") { Description = "Schedules a seed's run may take before a finding counts as not met", DefaultValueFactory = _ => 4000 };
        var findings = new Option<string[]>("--finding")
        {
            Description = "A finding to time besides those the rows expect (repeatable), e.g. one no row of the profile lists at its budget",
        };
        var ledger = new Option<string?>("--ledger")
        {
            Description = "Keep each measured seed in this file (one JSON line) as it ends, and reuse the seeds it holds that this build measured "
                + "with the same cap and expected findings: a stopped run resumes",
        };
        var firstSeed = new Option<int>("--first-seed")
        {
            Description = "The first seed's number (1: the manifest's 17): measure a table's later seeds apart from its first ones",
            DefaultValueFactory = _ => 1,
        };
        var limit = new Option<int>("--attribution-limit")
        {
            Description = "Violations a seed's run may attribute before it stops short of the cap (its unmet findings then show as >N, not "
                + "as misses of the cap); a seed the ledger holds at a lower limit that it never reached is reused",
            DefaultValueFactory = _ => new TimeToFindingOptions().MaxAttributions,
        };
        var cpu = new Option<int?>("--cpu") { Description = "Run on one CPU only (Linux): two benches on two cores each on its own" };
        var continues = new Option<bool>("--continue")
        {
            Description = "Each schedule goes on past its violations and counts every property it breaks, not only its first (the same "
                + "schedules; a terminal property still stops one). The manifest's rows stop at a schedule's first violation",
        };
        var outFile = Out();
        var command = new Command("findings", "Schedules to first meet each finding a drawn row of the manifest expects: median and worst over seeds")
        {
            profiles, scenarios, seeds, firstSeed, cap, limit, findings, ledger, cpu, continues, outFile,
        };
        command.SetAction(parsed => Names.Guard(output, error, json: false, () =>
        {
            if (parsed.GetValue(seeds) is < 1 or > 1000 || parsed.GetValue(firstSeed) is < 1 or > 1000 || parsed.GetValue(cap) is 0 or > ExplorationOptions.MaxIterations)
            {
                throw new UsageException($"--seeds and --first-seed must be 1..1000 and --cap 1..{ExplorationOptions.MaxIterations}", "give smaller numbers");
            }

            if (parsed.GetValue(limit) is < 1 or > TimeToFindingOptions.MaxAttributionLimit)
            {
                throw new UsageException($"--attribution-limit must be 1..{TimeToFindingOptions.MaxAttributionLimit}", "give a number in that range");
            }

            var (profileNames, scenarioNames) = Selection(parsed, profiles, scenarios);
            if (scenarioNames.Select(Names.Scenario).FirstOrDefault(s => s.Configure is null) is { } staged)
            {
                throw new UsageException($"{staged.Name} is a staged scenario; bench findings measures the drawn ones", "give --scenario generated or random-ops");
            }

            var asked = Names.Findings(parsed.GetValue(findings));
            var kept = OpenLedger(parsed.GetValue(ledger));
            if (parsed.GetValue(cpu) is { } core)
            {
                CorePinning.PinSelf(core);
            }

            var rows = TimeToFinding.Measure(new TimeToFindingOptions
            {
                Profiles = profileNames,
                Scenarios = scenarioNames,
                Seeds = parsed.GetValue(seeds),
                FirstSeed = parsed.GetValue(firstSeed) - 1,
                Cap = parsed.GetValue(cap),
                MaxAttributions = parsed.GetValue(limit),
                Findings = asked,
                Ledger = kept,
                Continue = parsed.GetValue(continues),
            }, error.WriteLine);
            return Emit(output, TimeToFinding.Render(rows, parsed.GetValue(continues)), parsed.GetValue(outFile));
        }));
        return command;
    }

    private static Command CreateRates(TextWriter output, TextWriter error)
    {
        var drawn = DrawnSeeds<ViolationRatesOptions>.Over(new ViolationRatesOptions());
        var strategy = new Option<Strategy>("--strategy") { Description = "Coyote's strategy", DefaultValueFactory = _ => Strategy.Portfolio };
        var outFile = Out();
        var command = new Command("rates", "Violations of each property a thousand schedules of a drawn family, without attribution: a quick proxy to compare weight tables")
        {
            drawn.Profiles, drawn.Scenario, drawn.Seeds, drawn.Schedules, strategy, outFile,
        };
        command.SetAction(parsed => Names.Guard(output, error, json: false, () =>
        {
            var options = drawn.Parse(parsed, "rates") with { Strategy = parsed.GetValue(strategy) };
            return Emit(output, ViolationRates.Render(ViolationRates.Measure(options, error.WriteLine), options), parsed.GetValue(outFile));
        }));
        return command;
    }

    private static Command CreateMeetings(TextWriter output, TextWriter error)
    {
        var drawn = DrawnSeeds<MeetingRatesOptions>.Over(new MeetingRatesOptions());
        var limit = new Option<int>("--attribution-limit")
        {
            Description = "Violations a seed's run may attribute before it stops (its rates are then over the schedules it explored)",
            DefaultValueFactory = _ => new MeetingRatesOptions().MaxAttributions,
        };
        var cpu = new Option<int?>("--cpu") { Description = "Run on one CPU only (Linux): two benches on two cores each on its own" };
        var outFile = Out();
        var command = new Command("meetings",
            "Meetings of each finding a drawn row expects, a thousand schedules, every violation that could meet one attributed: weight tables compared, "
            + "with the median and worst of 20 seeds each rate implies")
        {
            drawn.Profiles, drawn.Scenario, drawn.Seeds, drawn.Schedules, limit, cpu, outFile,
        };
        command.SetAction(parsed => Names.Guard(output, error, json: false, () =>
        {
            var options = drawn.Parse(parsed, "meetings");
            if (parsed.GetValue(limit) is < 1 or > TimeToFindingOptions.MaxAttributionLimit)
            {
                throw new UsageException($"--attribution-limit must be 1..{TimeToFindingOptions.MaxAttributionLimit}", "give a number in that range");
            }

            options = options with { MaxAttributions = parsed.GetValue(limit) };
            if (TimeToFinding.Select([.. options.Profiles], [options.Scenario]).Count == 0)
            {
                throw new UsageException($"no {options.Scenario} row of the profiles given expects a finding: nothing to meet", "give a profile whose row expects findings");
            }

            if (parsed.GetValue(cpu) is { } core)
            {
                CorePinning.PinSelf(core);
            }

            return Emit(output, MeetingRates.Render(MeetingRates.Measure(options, error.WriteLine), options), parsed.GetValue(outFile));
        }));
        return command;
    }

    /// <summary>The options of a bench over seeds of a drawn scenario (rates, meetings), with the measure's own defaults.</summary>
    private sealed record DrawnSeeds<T>(T Defaults, Option<string[]> Profiles, Option<string> Scenario, Option<int> Seeds, Option<uint> Schedules)
        where T : DrawnSeedsOptions
    {
        public static DrawnSeeds<T> Over(T defaults) => new(
            defaults,
            ProfileOption(),
            new Option<string>("--scenario") { Description = "A drawn scenario", DefaultValueFactory = _ => defaults.Scenario },
            new Option<int>("--seeds") { Description = "Seeds per profile (spaced 1000003 apart; the first is the manifest's 17)", DefaultValueFactory = _ => defaults.Seeds },
            new Option<uint>("--schedules") { Description = "Schedules each seed's run explores", DefaultValueFactory = _ => defaults.Schedules });

        /// <summary>The options given, each checked (seeds and schedules in range, the profiles known, the scenario a drawn one), over <see cref="Defaults"/>.</summary>
        public T Parse(ParseResult parsed, string bench)
        {
            if (parsed.GetValue(Seeds) is < 1 or > 1000 || parsed.GetValue(Schedules) is 0 or > ExplorationOptions.MaxIterations)
            {
                throw new UsageException($"--seeds must be 1..1000 and --schedules 1..{ExplorationOptions.MaxIterations}", "give smaller numbers");
            }

            var profileNames = parsed.GetValue(Profiles) ?? [];
            _ = Names.Profiles(profileNames);
            if (Names.Scenario(parsed.GetValue(Scenario)!) is { Configure: null } staged)
            {
                throw new UsageException($"{staged.Name} is a staged scenario; bench {bench} measures the drawn ones", "give --scenario generated or random-ops");
            }

            // A with on the base record copies the measure's own record (its Clone is virtual): its other options kept.
            return (T)((DrawnSeedsOptions)Defaults with
            {
                Profiles = profileNames, Scenario = parsed.GetValue(Scenario)!, Seeds = parsed.GetValue(Seeds), Schedules = parsed.GetValue(Schedules),
            });
        }
    }

    /// <summary>The profiles and scenarios named, each checked: an unknown name would silently select nothing.</summary>
    private static (string[] Profiles, string[] Scenarios) Selection(ParseResult parsed, Option<string[]> profiles, Option<string[]> scenarios)
    {
        var profileNames = parsed.GetValue(profiles) ?? [];
        var scenarioNames = parsed.GetValue(scenarios) ?? [];
        _ = (Names.Profiles(profileNames), Names.Scenarios(scenarioNames));
        return (profileNames, scenarioNames);
    }

    /// <summary>The ledger to keep seeds in (none: null); one that is not a ledger is a usage error, before anything is measured.</summary>
    private static SeedLedger? OpenLedger(string? path)
    {
        try
        {
            return path is null ? null : SeedLedger.Open(path);
        }
        catch (SeedLedgerException e)
        {
            throw new UsageException(e.Message, "give a ledger bench findings wrote, or a new file");
        }
    }

    private static int Emit(TextWriter output, string markdown, string? path)
    {
        output.WriteLine(markdown);
        if (path is not null)
        {
            Files.Write(path, markdown);
        }

        return ExitCode.AsExpected;
    }
}
