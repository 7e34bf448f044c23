using System.CommandLine;
using ClaimVerified.Cli.Commands;
using ClaimVerified.Model.Manifest;

namespace ClaimVerified.Cli;

/// <summary>
/// claimverify: the project's front door. Every command takes --json for machines; exit codes are 0 (all as
/// expected), 1 (usage or input error), 2 (a violation where none was expected), 3 (an expected violation not found).
/// </summary>
public static class Program
{
    public static int Main(string[] args) => Run(args, Console.Out, Console.Error);

    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var root = new RootCommand("claimverify: explore, replay and explain the memory capacity claim designs of Xen");
        root.Subcommands.Add(ExploreCommand.Create(output, error));
        root.Subcommands.Add(TraceCommands.CreateReplay(output, error));
        root.Subcommands.Add(TraceCommands.CreateExplain(output, error));
        root.Subcommands.Add(ReferenceCommands.CreateSpecCheck(output, error));
        root.Subcommands.Add(ReferenceCommands.CreateLinearize(output, error));
        root.Subcommands.Add(ReferenceCommands.CreateRun(output, error));
        root.Subcommands.Add(ReferenceCommands.CreateVectors(output, error));
        root.Subcommands.Add(ImplementationCommands.CreateCheckImpl(output, error));
        root.Subcommands.Add(ImplementationCommands.CreateServe(output, error));
        root.Subcommands.Add(BenchCommand.Create(output, error));
        root.Subcommands.Add(ListCommands.CreateProfiles(output));
        root.Subcommands.Add(ListCommands.CreateScenarios(output));
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var problem in parsed.Errors)
            {
                error.WriteLine($"claimverify: {problem.Message}");
            }

            error.WriteLine("run `claimverify --help` for the commands and their options");
            return ExitCode.Usage;
        }

        return parsed.Invoke(new InvocationConfiguration { Output = output, Error = error });
    }
}
