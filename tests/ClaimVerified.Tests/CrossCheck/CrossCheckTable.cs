using System.Collections.Immutable;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.RegularExpressions;
using ClaimVerified.Model.Benchmarks;
using ClaimVerified.Model.Exhaustive;
using ClaimVerified.Profiles;
using ClaimVerified.Specification;
using ClaimVerified.Specification.Properties;
using ClaimVerified.Tests.Traces;

namespace ClaimVerified.Tests.CrossCheck;

/// <summary>One row of model/CrossCheck/bounds.json: a profile, a spec-check bound, what all three checkers must report.</summary>
public sealed record CrossCheckRow(
    string Profile, string Bound, long States, IReadOnlyDictionary<string, string> Verdicts, SpinFigures Spin, RumurFigures Rumur)
{
    public IReadOnlyList<string> Violated => SpecProperties.Ids.Where(p => Verdicts[p] == "violated").ToArray();

    public IReadOnlyList<string> Holding => SpecProperties.Ids.Where(p => Verdicts[p] == "holds").ToArray();

    public SpecBound ParsedBound => SpecBound.Parse(Bound, out var error) ?? throw new InvalidOperationException(error);
}

public sealed record SpinFigures(long States, int StateVectorBytes);

public sealed record RumurFigures(long States, int StateBits, int StateBytes);

/// <summary>model/CrossCheck: the table, the models, and how a bound becomes their macros and constants.</summary>
public static class CrossCheckTable
{
    public static string Folder => Path.Combine(Repository.Root, "model", "CrossCheck");

    private sealed record Document(string About, IReadOnlyList<CrossCheckRow> Rows);

    public static IReadOnlyList<CrossCheckRow> Rows { get; } = Load();

    private static IReadOnlyList<CrossCheckRow> Load()
    {
        var options = new JsonSerializerOptions { PropertyNameCaseInsensitive = true };
        var document = JsonSerializer.Deserialize<Document>(File.ReadAllText(Path.Combine(Folder, "bounds.json")), options);
        return document?.Rows ?? throw new InvalidOperationException("model/CrossCheck/bounds.json has no rows");
    }

    /// <summary>The models' bound parameters (<see cref="ExternalCheckers.Parameters"/>); a bound they do not cover throws.</summary>
    public static IReadOnlyList<(string Name, long Value)> Parameters(string profile, SpecBound bound) => ExternalCheckers.Parameters(profile, bound);
}

/// <summary>Runs the external tools: spin, rumur, cc.</summary>
public static class Tools
{
    /// <summary>The full path of <paramref name="name"/> on PATH, or null.</summary>
    public static string? Find(string name) => ExternalCheckers.Find(name);

    /// <summary>Why a tool-based test cannot run here, or null when it can.</summary>
    public static string? Missing(string tool)
    {
        var missing = new[] { tool, "cc" }.Where(t => Find(t) is null).ToArray();
        return missing.Length == 0 ? null
            : $"{string.Join(" and ", missing)} not on PATH: install Debian's {tool} package (.ci/run does, as root) to run this cross-check";
    }

    public static string Run(string directory, string file, params string[] args)
    {
        var result = ChildProcess.Run(file, args, TimeSpan.FromMinutes(2), directory);
        var output = result.Output;
        return result.ExitCode == 0 || file.EndsWith("pan", StringComparison.Ordinal) || file.EndsWith("verifier", StringComparison.Ordinal)
            ? output
            : throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {result.ExitCode}:\n{output}");
    }

    public static long Number(string output, string pattern, string what) => ExternalCheckers.Number(output, pattern, what);

    /// <summary>cc's flags: no optimisation (the models are tiny; compiling dominates), cmpxchg16b for rumur on x86-64.</summary>
    public static string[] CcFlags(bool rumur) =>
        rumur && RuntimeInformation.ProcessArchitecture == Architecture.X64 ? ["-O0", "-std=c11", "-mcx16"] : ["-O0"];
}

/// <summary>A counterexample of an external checker as operations of the specification, replayed through it.</summary>
public static class Replay
{
    /// <summary>
    /// The operation a rule of murphi/claims.m stands for, given its ruleset parameters (d is the domain slot, domid
    /// d + 1; the claim-set indices are those of ClaimSet in claims.m).
    /// </summary>
    public static Operation RumurRule(string rule, IReadOnlyDictionary<string, string> p, IReadOnlyList<long> sizes, long largest)
    {
        ArgumentNullException.ThrowIfNull(p);
        ArgumentNullException.ThrowIfNull(sizes);
        int Int(string name) => int.Parse(p[name], CultureInfo.InvariantCulture);
        var domid = p.ContainsKey("d") ? Int("d") + 1 : 0;
        var control = Caller.Control;
        return rule switch
        {
            "offline" => new OfflinePage(Caller.Xen, Int("nd")),
            "xenheap-alloc" => new AllocXenHeap(Caller.Xen, 0),
            "xenheap-free" => new FreeXenHeap(Caller.Xen, 1),
            "create" => new CreateDomain(control, sizes[Int("s") - 1]),
            "claim" => new ClaimPages(control, domid, Int("p")),
            "claim-set" => new ClaimMemory(control, domid, ClaimSet(Int("k"), largest)),
            "populate" => new Populate(control, domid, 0, Int("w")),
            "populate-exact" => new Populate(control, domid, 0, Int("w"), Exact: true),
            "extra" => new AllocExtraPages(control, domid, 0),
            "decrease" => new DecreaseReservation(control, domid, 0),
            "share" => new SharePage(control, domid),
            "max-mem" => new SetMaxPages(control, domid, p["h"] == "true" ? sizes[Int("s") - 1] / 2 : sizes[Int("s") - 1]),
            "kill" => new DomainKill(control, domid),
            "destroy" => new DestroyDomain(control, domid),
            _ => throw new InvalidOperationException($"unknown rule {rule}"),
        };
    }

    /// <summary>
    /// The operation a step of a Spin trail stands for: promela/claims.pml prints "@ name args" in each d_step, which
    /// spin -t shows on replay (d is the domain slot, domid d + 1; create and max-mem print the page count itself).
    /// </summary>
    public static Operation SpinStep(string line, long largest)
    {
        ArgumentNullException.ThrowIfNull(line);
        var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        int Int(int i) => int.Parse(words[i], CultureInfo.InvariantCulture);
        var control = Caller.Control;
        return words[0] switch
        {
            "offline" => new OfflinePage(Caller.Xen, Int(1)),
            "xenheap-alloc" => new AllocXenHeap(Caller.Xen, 0),
            "xenheap-free" => new FreeXenHeap(Caller.Xen, 1),
            "create" => new CreateDomain(control, Int(1)),
            "claim" => new ClaimPages(control, Int(1) + 1, Int(2)),
            "claim-set" => new ClaimMemory(control, Int(1) + 1, ClaimSet(Int(2), largest)),
            "populate" => new Populate(control, Int(1) + 1, 0, Int(2), Exact: Int(3) == 1),
            "extra" => new AllocExtraPages(control, Int(1) + 1, 0),
            "decrease" => new DecreaseReservation(control, Int(1) + 1, 0),
            "share" => new SharePage(control, Int(1) + 1),
            "max-mem" => new SetMaxPages(control, Int(1) + 1, Int(2)),
            "kill" => new DomainKill(control, Int(1) + 1),
            "destroy" => new DestroyDomain(control, Int(1) + 1),
            _ => throw new InvalidOperationException($"unknown Spin step '{line}'"),
        };
    }

    private static ImmutableArray<ClaimEntry> ClaimSet(int k, long largest)
    {
        var half = Math.Max(1, largest / 2);
        var full = Math.Max(1, largest);
        ClaimEntry G(long pages) => new(pages, ClaimEntry.Global);
        ClaimEntry N(long pages, int node) => new(pages, node);
        return k switch
        {
            0 => [new ClaimEntry(largest, ClaimEntry.Legacy)],
            1 => [G(0)],
            2 => [G(1)],
            3 => [N(1, 0)],
            4 => [G(half)],
            5 => [N(half, 0)],
            6 => [G(full)],
            7 => [N(full, 0)],
            8 => [N(1, 1)],
            9 => [N(half, 1)],
            10 => [N(full, 1)],
            11 => [N(1, 0), N(1, 1)],
            12 => [N(1, 0), G(1)],
            _ => throw new InvalidOperationException($"unknown claim set {k}"),
        };
    }

    /// <summary>The rules of a rumur counterexample trace, in order: (name, parameters).</summary>
    public static IReadOnlyList<(string Rule, Dictionary<string, string> Parameters)> RumurTrace(string output)
    {
        var steps = new List<(string, Dictionary<string, string>)>();
        foreach (Match m in Regex.Matches(output, "^Rule \"(?<rule>[^\"]+)\"(?<params>.*) fired\\.$", RegexOptions.Multiline))
        {
            var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (Match q in Regex.Matches(m.Groups["params"].Value, ", (?<name>\\w+): (?<value>[^,]+)"))
            {
                parameters[q.Groups["name"].Value] = q.Groups["value"].Value.Trim();
            }

            steps.Add((m.Groups["rule"].Value, parameters));
        }

        return steps;
    }

    /// <summary>The properties violated in the last state of <paramref name="operations"/> run from a fresh host.</summary>
    public static IReadOnlyList<string> ViolatedAfter(Profile profile, HostConfig config, int maxDomains, IEnumerable<Operation> operations)
    {
        var state = ClaimVerified.Specification.Spec.Init(profile, config);
        var targets = GhostTargets.Initial(maxDomains);
        foreach (var op in operations)
        {
            var (result, next) = ClaimVerified.Specification.Spec.Step(profile, state, op);
            if (!ReferenceEquals(next, state))
            {
                targets = GhostTargets.Next(profile, targets, state, next, op, result);
            }

            state = next;
        }

        return SpecProperties.Violations(profile, state, targets).Select(v => v.Property).ToArray();
    }
}
