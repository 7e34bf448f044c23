using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using ClaimVerified.Model.Exhaustive;
using ClaimVerified.Specification.Properties;
using Microsoft.Coyote.Rewriting;

namespace ClaimVerified.Model.Benchmarks;

/// <summary>One run of an external checker on a bound: what it found and what it cost.</summary>
/// <param name="PeakMemoryBytes">The process's peak resident memory (from /usr/bin/time), when measured.</param>
public sealed record ExternalRun(string Checker, int Threads, long States, long Transitions, double Seconds, long? PeakMemoryBytes)
{
    public double StatesPerSecond => Seconds > 0 ? States / Seconds : 0;
}

/// <summary>
/// Spin and rumur on the specification written again by hand in Promela and Murphi (model/CrossCheck, embedded): how a
/// bound becomes the models' constants, and one exhaustive run of each, in its fastest exhaustive mode (Spin's
/// exhaustive search, on one core: see <see cref="Spin"/>; rumur's threads), symmetry reduction off, no bitstate or hash
/// compaction.
/// What the cross-check tests and `bench spec --vs` share.
/// </summary>
[SkipRewriting(SequentialOnly.Reason)]
public static class ExternalCheckers
{
    /// <summary>A limit on everything: an external run that takes longer is stopped.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromMinutes(30);

    /// <summary>The model files, by name: claims.pml, domops.pml, claims.m.</summary>
    public static string Model(string name)
    {
        using var stream = typeof(ExternalCheckers).Assembly.GetManifestResourceStream("crosscheck." + name)
            ?? throw new InvalidOperationException($"crosscheck.{name} is not embedded in the model assembly");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>The models' bound parameters: REF, NODES, PAGES, DOMAINS, NSIZES, SIZE1..3, LARGEST, HAS_kind.</summary>
    public static IReadOnlyList<(string Name, long Value)> Parameters(string profile, SpecBound bound)
    {
        ArgumentNullException.ThrowIfNull(bound);
        var sizes = bound.CreateSizes.Distinct().ToArray();
        if (bound.Nodes > 2 || bound.MaxDomains is < 1 or > 3 || sizes.Length > 3 || bound.LargestCreate > 4 || bound.PagesPerNode >= 512
            || bound.LlcColouring || bound.With is { Count: > 0 })
        {
            throw new ArgumentException(
                $"the models cover nodes<=2, domains 1..3, at most 3 sizes of at most 4 pages, no llc, no with=: {bound.ToArguments()}", nameof(bound));
        }

        var list = new List<(string, long)>
        {
            ("REF", profile switch
            {
                "reference" => 1,
                "xen-4.22" => 0,
                _ => throw new ArgumentException($"the models cover reference and xen-4.22, not {profile}", nameof(profile)),
            }),
            ("NODES", bound.Nodes), ("PAGES", bound.PagesPerNode), ("DOMAINS", bound.MaxDomains), ("NSIZES", sizes.Length),
            ("SIZE1", sizes[0]), ("SIZE2", sizes[Math.Min(1, sizes.Length - 1)]), ("SIZE3", sizes[Math.Min(2, sizes.Length - 1)]),
            ("LARGEST", bound.LargestCreate),
        };
        foreach (var kind in SpecBound.OperationKinds.Where(k => k is not ("soft" or "tmem")))
        {
            list.Add(("HAS_" + kind.ToUpperInvariant(), bound.Has(kind) ? 1 : 0));
        }

        return list;
    }

    /// <summary>The Murphi constant of a property's invariant switch: CHECK_CLAIMS_BACKED.</summary>
    public static string CheckConstant(string property) => "CHECK_" + property.ToUpperInvariant().Replace('-', '_');

    /// <summary>Why <paramref name="tool"/> cannot run here (it or cc is not on PATH), or null.</summary>
    public static string? Missing(string tool)
    {
        var missing = new[] { tool, "cc" }.Where(t => Find(t) is null).ToArray();
        return missing.Length == 0 ? null
            : $"{string.Join(" and ", missing)} not on PATH: install Debian's {tool} package (.ci/run does, as root)";
    }

    /// <summary>The full path of <paramref name="name"/> on PATH, or null.</summary>
    public static string? Find(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name)).FirstOrDefault(File.Exists);

    /// <summary>
    /// Spin's exhaustive search, every state stored exactly, on one core: its parallel modes (-DBFS_PAR, -DNCORE) refuse a
    /// model with hidden variables ("cannot use BFS on models with variables declared hidden"), and claims.pml hides its
    /// scratch variables so that the state vector holds exactly the specification's fields, as the cross-check requires.
    /// </summary>
    /// <param name="expectedStates">What spec-check found: sizes Spin's hash table (-w), twice the states, at least 2^10 slots.</param>
    public static ExternalRun Spin(string profile, SpecBound bound, long expectedStates)
    {
        var dir = Scratch("spin");
        try
        {
            File.WriteAllText(Path.Combine(dir, "claims.pml"), Model("claims.pml"));
            File.WriteAllText(Path.Combine(dir, "domops.pml"), Model("domops.pml"));
            var defines = Parameters(profile, bound).Select(p => string.Create(CultureInfo.InvariantCulture, $"-D{p.Name}={p.Value}")).ToArray();
            Run(dir, "spin", [.. defines, "-a", "claims.pml"]);
            Run(dir, "cc", ["-O2", "-DNOREDUCE", "-DVECTORSZ=1024", "-o", "pan", "pan.c"]);
            var hashBits = Math.Clamp((int)Math.Ceiling(Math.Log2(Math.Max(2, expectedStates * 2))), 10, 32);
            // The depth-first stack is allocated for -m steps: never deeper than the states, plus a margin.
            var depth = Math.Clamp(expectedStates + 16, 1000, 100_000_000);
            var (output, peak) = Measured(dir, Path.Combine(dir, "pan"),
                ["-c0", string.Create(CultureInfo.InvariantCulture, $"-m{depth}"), string.Create(CultureInfo.InvariantCulture, $"-w{hashBits}")]);
            if (!output.Contains("Full statespace search", StringComparison.Ordinal) || output.Contains("Search not completed", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"Spin did not search the whole state space:\n{output}");
            }

            return new ExternalRun("spin", 1, Number(output, @"^\s*(\d+) states, stored", "states"),
                Number(output, @"^\s*(\d+) transitions", "transitions"), Seconds(output, @"elapsed time ([\d.e+]+) seconds"), peak);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>rumur's verifier on <paramref name="threads"/> threads, checking the properties that hold (a violated invariant stops a state's expansion).</summary>
    public static ExternalRun Rumur(string profile, SpecBound bound, int threads, IReadOnlyCollection<string> holding)
    {
        ArgumentNullException.ThrowIfNull(holding);
        var dir = Scratch("rumur");
        try
        {
            File.WriteAllText(Path.Combine(dir, "claims.m"), Constants(Model("claims.m"), profile, bound, holding));
            Run(dir, "rumur", ["--deadlock-detection", "off", "--symmetry-reduction", "off", "--threads",
                threads.ToString(CultureInfo.InvariantCulture), "--output", "claims.c", "claims.m"]);
            Run(dir, "cc", [.. RumurCcFlags(optimise: true), "-o", "verifier", "claims.c", "-lpthread"]);
            var (output, peak) = Measured(dir, Path.Combine(dir, "verifier"), []);
            var fired = Regex.Match(output, @"(\d+) states, (\d+) rules fired in ([\d.]+)s", RegexOptions.Multiline);
            if (!fired.Success)
            {
                throw new InvalidOperationException($"no state count in rumur's output:\n{output}");
            }

            return new ExternalRun("rumur", threads, long.Parse(fired.Groups[1].Value, CultureInfo.InvariantCulture),
                long.Parse(fired.Groups[2].Value, CultureInfo.InvariantCulture), double.Parse(fired.Groups[3].Value, CultureInfo.InvariantCulture), peak);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>claims.m with the bound's constants and <paramref name="checks"/> as the checked invariants.</summary>
    public static string Constants(string text, string profile, SpecBound bound, IReadOnlyCollection<string> checks)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(checks);
        var constants = Parameters(profile, bound).Concat(SpecProperties.Ids.Select(p => (Name: CheckConstant(p), Value: checks.Contains(p) ? 1L : 0L)));
        foreach (var (name, value) in constants)
        {
            var pattern = $@"(?m)^(\s*{name}\s*:\s*)-?\d+(\s*;)";
            if (Regex.Matches(text, pattern).Count != 1)
            {
                throw new InvalidOperationException($"claims.m declares {name} not exactly once");
            }

            text = Regex.Replace(text, pattern, m => m.Groups[1].Value + value.ToString(CultureInfo.InvariantCulture) + m.Groups[2].Value);
        }

        return text;
    }

    /// <summary>cc's flags for rumur's verifier: cmpxchg16b on x86-64 (its lock-free set needs it).</summary>
    public static string[] RumurCcFlags(bool optimise) =>
        [optimise ? "-O2" : "-O0", .. RuntimeInformation.ProcessArchitecture == Architecture.X64 ? new[] { "-std=c11", "-mcx16" } : []];

    /// <summary>Runs a tool to its end (at most <see cref="Timeout"/>); its output, or an exception with it when it failed.</summary>
    public static string Run(string directory, string file, IReadOnlyList<string> args, bool failureIsResult = false)
    {
        var start = new ProcessStartInfo(file) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in args)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(Timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish in {Timeout.TotalMinutes} minutes");
        }

        process.WaitForExit();
        var output = stdout.Result + stderr.Result;
        return process.ExitCode == 0 || failureIsResult ? output
            : throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {process.ExitCode}:\n{output}");
    }

    /// <summary>A checker's own binary run under /usr/bin/time when it is there, for the peak resident memory.</summary>
    private static (string Output, long? PeakBytes) Measured(string dir, string binary, IReadOnlyList<string> args)
    {
        if (!File.Exists("/usr/bin/time"))
        {
            return (Run(dir, binary, args, failureIsResult: true), null);
        }

        var output = Run(dir, "/usr/bin/time", ["-f", "peak-rss-kb %M", binary, .. args], failureIsResult: true);
        var peak = Regex.Match(output, @"peak-rss-kb (\d+)");
        return (output, peak.Success ? long.Parse(peak.Groups[1].Value, CultureInfo.InvariantCulture) * 1024 : null);
    }

    public static long Number(string output, string pattern, string what) =>
        Regex.Match(output, pattern, RegexOptions.Multiline) is { Success: true } m
            ? long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)
            : throw new InvalidOperationException($"no {what} in:\n{output}");

    private static double Seconds(string output, string pattern) =>
        Regex.Match(output, pattern, RegexOptions.Multiline) is { Success: true } m
            ? double.Parse(m.Groups[1].Value, NumberStyles.Float, CultureInfo.InvariantCulture)
            : 0;

    private static string Scratch(string name)
    {
        var path = Path.Combine(Path.GetTempPath(), $"claimverified-{name}-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        return path;
    }
}
