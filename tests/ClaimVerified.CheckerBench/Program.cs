using System.Globalization;
using ClaimVerified.Model.Benchmarks;
using ClaimVerified.Model.Checking;

namespace ClaimVerified.CheckerBench;

/// <summary>
/// checker-bench speed [--profiles a,b] [--scenarios x,y] [--strategy s] [--iterations n] [--out file.md]
/// checker-bench ttfb  [--profiles a,b] [--scenarios x,y] [--strategies s,t] [--seeds n] [--budget n] [--out file.md]
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length == 0 || args[0] is not ("speed" or "ttfb"))
        {
            Console.Error.WriteLine("usage: checker-bench speed|ttfb [--profiles a,b] [--scenarios x,y] [--strategy s | --strategies s,t] "
                + "[--iterations n] [--seeds n] [--budget n] [--out file.md]");
            return 2;
        }

        var options = Options(args.Skip(1).ToArray());
        string markdown;
        if (args[0] == "speed")
        {
            var rows = CheckerPower.ExplorationSpeed(new ExplorationSpeedOptions
            {
                Profiles = List(options, "profiles"),
                Scenarios = List(options, "scenarios"),
                Strategy = options.TryGetValue("strategy", out var s) ? ParseStrategy(s) : Strategy.Portfolio,
                Iterations = options.TryGetValue("iterations", out var n) ? uint.Parse(n, CultureInfo.InvariantCulture) : 500,
            }, Console.Error.WriteLine);
            markdown = CheckerPower.Render(rows);
        }
        else
        {
            var rows = CheckerPower.TimeToFirstBug(new TimeToFirstBugOptions
            {
                Profiles = List(options, "profiles"),
                Scenarios = List(options, "scenarios"),
                Strategies = List(options, "strategies").Select(ParseStrategy).ToArray(),
                Seeds = options.TryGetValue("seeds", out var k) ? int.Parse(k, CultureInfo.InvariantCulture) : 20,
                Budget = options.TryGetValue("budget", out var b) ? uint.Parse(b, CultureInfo.InvariantCulture) : null,
            }, Console.Error.WriteLine);
            markdown = CheckerPower.Render(rows);
        }

        Console.WriteLine(markdown);
        if (options.TryGetValue("out", out var path))
        {
            File.WriteAllText(path, markdown);
        }

        return 0;
    }

    private static Dictionary<string, string> Options(string[] args)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal))
            {
                throw new ArgumentException($"expected --option value, got {args[i]}");
            }

            options[args[i][2..]] = args[i + 1];
        }

        return options;
    }

    private static string[] List(Dictionary<string, string> options, string name) =>
        options.TryGetValue(name, out var value) ? value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : [];

    private static Strategy ParseStrategy(string name) =>
        Enum.GetValues<Strategy>().FirstOrDefault(s => CheckerPower.Name(s) == name.ToLowerInvariant(), (Strategy)(-1)) is var s && Enum.IsDefined(s)
            ? s
            : throw new ArgumentException($"unknown strategy {name}: {string.Join(", ", Enum.GetValues<Strategy>().Select(CheckerPower.Name))}");
}
