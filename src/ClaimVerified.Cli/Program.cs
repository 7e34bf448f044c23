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

        Console.Error.WriteLine("usage: claimverify profiles");
        return 1;
    }
}
