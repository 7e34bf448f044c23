using ClaimVerified.Model.Checking;
using ClaimVerified.Model.Scenarios;
using ClaimVerified.Profiles;

namespace ClaimVerified.Cli;

public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length == 1 && args[0] == "profiles")
        {
            foreach (var profile in Catalogue.All)
            {
                Console.WriteLine($"{profile.Name,-12} {profile.Summary}");
            }

            return 0;
        }

        if (args.Length >= 1 && args[0] == "explore")
        {
            var iterations = args.Length > 1 ? uint.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 500;
            foreach (var scenario in ScenarioCatalogue.All)
            {
                foreach (var profile in Catalogue.All)
                {
                    var result = Explorer.Explore(profile, scenario, new ExplorationOptions(iterations));
                    Console.WriteLine($"{scenario.Name,-18} {profile.Name,-12} {result.Verdict,-24} it={result.Iterations,-6} {result.Elapsed.TotalSeconds:F1}s unc={result.UncontrolledInvocations.Count}");
                    if (result.BugMessage is not null)
                    {
                        Console.WriteLine("    " + result.BugMessage);
                    }
                }
            }

            return 0;
        }

        if (args.Length >= 3 && args[0] == "debug")
        {
            var profile = Catalogue.Get(args[2]);
            var scenario = ScenarioCatalogue.Get(args[1]);
            var result = Explorer.Explore(profile, scenario, new ExplorationOptions(5000));
            Console.WriteLine(result.Verdict + " after " + result.Iterations + ": " + result.BugMessage);
            if (result.ReproducibleTrace is not null)
            {
                var replayed = Explorer.Replay(profile, scenario, result.ReproducibleTrace);
                Console.WriteLine("replay: " + replayed.BugMessage);
                foreach (var entry in ClaimVerified.Model.Workloads.World.Last!.History.Entries)
                {
                    Console.WriteLine($"{entry.CallStep,3}-{entry.ReturnStep,-3} {entry.Actor,-10} {entry.Operation,-32} {entry.Result,-8} | {entry.After.Describe()}");
                }
            }

            return 0;
        }

        Console.Error.WriteLine("usage: claimverify profiles | explore [iterations]");
        return 1;
    }
}
