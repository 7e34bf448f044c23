using System.CommandLine;
using ClaimVerified.Model.Manifest;
using ClaimVerified.Model.Scenarios;
using ClaimVerified.Profiles;

namespace ClaimVerified.Cli.Commands;

/// <summary>claimverify profiles / scenarios: what exists, one line each.</summary>
public static class ListCommands
{
    public static Command CreateProfiles(TextWriter output)
    {
        var json = JsonOption();
        var command = new Command("profiles", "List the semantics profiles, one line each") { json };
        command.SetAction(parsed =>
        {
            if (parsed.GetValue(json))
            {
                CliJson.Write(output, Catalogue.All.Select(p => new { name = p.Name, summary = p.Summary }));
            }
            else
            {
                foreach (var profile in Catalogue.All)
                {
                    output.WriteLine($"{profile.Name,-12} {profile.Summary}");
                }
            }

            return ExitCode.AsExpected;
        });
        return command;
    }

    public static Command CreateScenarios(TextWriter output)
    {
        var json = JsonOption();
        var command = new Command("scenarios", "List the scenarios, one line each") { json };
        command.SetAction(parsed =>
        {
            if (parsed.GetValue(json))
            {
                CliJson.Write(output, ScenarioCatalogue.All.Select(s => new
                {
                    name = s.Name,
                    method = s.EntryPoint,
                    summary = s.Summary,
                    nodes = s.Host.NodeCount,
                    pagesPerNode = s.Host.PagesPerNode,
                }));
            }
            else
            {
                foreach (var scenario in ScenarioCatalogue.All)
                {
                    output.WriteLine($"{scenario.Name,-18} {scenario.Summary}");
                }
            }

            return ExitCode.AsExpected;
        });
        return command;
    }

    public static Option<bool> JsonOption() => new("--json") { Description = "Write JSON for machines instead of text" };
}
