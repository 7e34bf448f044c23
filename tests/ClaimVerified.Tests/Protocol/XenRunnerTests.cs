using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using ClaimVerified.Model.Conformance;
using ClaimVerified.Model.Protocol;
using ClaimVerified.Tests.CrossCheck;
using ClaimVerified.Tests.Traces;
using Xunit.Abstractions;

namespace ClaimVerified.Tests.Protocol;

/// <summary>
/// Issue 16, section 3: impl/xen-runner, a C program that runs the conformance vectors through libxenctrl on a real
/// Xen host. Here there is no Xen: the runner compiles and links against Debian's libxen-dev (skipped with the reason
/// where its header is absent), and linked with the stand-in libxenctrl (standin/standin.c, claimref behind
/// libxenctrl's own declarations) it runs every vector of traces/conformance/xen-4.22: each runnable one passes, each
/// other is reported not runnable, as an independent reading of README.md's rules says. A tiny vector host that
/// expects ENOMEM passes only with the filler claim, and a stand-in with a deliberate fault makes the runner report a
/// FAILED line. Without cc every test is skipped with the reason.
/// </summary>
public sealed class XenRunnerTests(XenRunnerTests.Builds builds, ITestOutputHelper output) : IClassFixture<XenRunnerTests.Builds>
{
    private static readonly string Folder = Path.Combine(Repository.Root, "impl", "xen-runner");

    /// <summary>The JSON reader the runner shares with impl/c.</summary>
    private static readonly string Json = Path.Combine(Repository.Root, "impl", "json", "json.c");

    private static readonly string Vectors = Path.Combine(Repository.Root, "traces", "conformance", "xen-4.22");

    /// <summary>The operations the runner maps to libxenctrl (README.md).</summary>
    private static readonly HashSet<string> RunnableOps =
        new(["create", "maxmem", "claim", "populate", "decrease", "physinfo", "domaininfo", "kill", "destroy"], StringComparer.Ordinal);

    /// <summary>
    /// A vector host of 4 pages that expects ENOMEM four times: run on the stand-in's host of 2048 pages it passes only
    /// when the filler claims away everything but the vector's 4 (and steps aside while Xen creates d2 for its own
    /// pages, and grows back once d1's are returned). The specification and the core agree with it (checked below).
    /// </summary>
    private const string TinyHost = """
        host nodes=1 pages=4
        profile xen-4.22
        create d1 max=8 -> ok free=4 outstanding=0
        claim d1 5 -> ENOMEM
        claim d1 3 -> ok free=4 outstanding=3
        create d2 max=4 -> ok free=4 outstanding=3
        claim d2 2 -> ENOMEM
        populate d2 order=0 -> ok free=3 outstanding=3
        populate d2 order=0 -> ENOMEM free=3 outstanding=3
        populate d1 order=9 -> ENOMEM free=3 outstanding=3
        populate d1 order=0 -> ok free=2 outstanding=2
        physinfo -> free=2 outstanding=2
        destroy d1 -> ok free=3 outstanding=0
        claim d2 4 -> ok free=3 outstanding=3
        domaininfo d2 -> tot=1 extra=0 max=4 claim=3 state=alive
        domaininfo d1 -> ESRCH
        """;

    /// <summary>A host shaped unlike the default: two nodes, Xen's overhead per domain bigger, its return later.</summary>
    private const string OtherHost = "nodes=2 pages=1024 dom0=100 guest=10 claim=5 overhead=5 grace=3";

    /// <summary>The runner and its stand-in builds, compiled on first use into a scratch folder, warning-free.</summary>
    public sealed class Builds : IDisposable
    {
        private readonly Dictionary<string, string> built = new(StringComparer.Ordinal);

        public Builds()
        {
            if (Tools.Find("cc") is null)
            {
                MissingCc = "cc not on PATH: install a C compiler (Debian's gcc; .ci/run does, as root) to build impl/xen-runner";
                MissingHeader = MissingCc;
                return;
            }

            var probe = Path.Combine(Scratch, "probe.c");
            File.WriteAllText(probe, "#include <xenctrl.h>\nint main(void) { return 0; }\n");
            try
            {
                Tools.Run(Scratch, "cc", "-std=gnu11", "-fsyntax-only", probe);
            }
            catch (InvalidOperationException)
            {
                MissingHeader = "<xenctrl.h> not found: install Debian's libxen-dev (.ci/run does, as root) to build the runner against Xen's header";
            }
        }

        /// <summary>Why nothing can be built here, or null.</summary>
        public string? MissingCc { get; }

        /// <summary>Why the real &lt;xenctrl.h&gt; cannot be used here, or null.</summary>
        public string? MissingHeader { get; }

        private readonly ScratchFolder scratch = new("xenrunner");

        public string Scratch => scratch.FullName;

        /// <summary>The header the stand-in builds use: the real one where it is installed, else the minimal one.</summary>
        public string DefaultHeader => MissingHeader is null ? "system" : "minimal";

        /// <summary>The runner against the real header, linked with libxenctrl (README.md's command).</summary>
        public string Real() => Build("xen-vector-runner", [
            "-std=gnu11", "-O2", "-Wall", "-Wextra", "-Werror", "-o", "xen-vector-runner",
            Path.Combine(Folder, "xen-vector-runner.c"), Json, "-lxenctrl"]);

        /// <summary>
        /// The runner linked with the stand-in, against the real header ("system") or standin/minimal/xenctrl.h
        /// ("minimal"), optionally with the stand-in's deliberate fault.
        /// </summary>
        public string StandIn(string header, bool brokenClaim = false)
        {
            var name = $"xen-vector-runner-standin-{header}{(brokenClaim ? "-broken" : "")}";
            var include = header == "minimal" ? new[] { "-I", Path.Combine(Folder, "standin", "minimal") } : [];
            var defines = brokenClaim ? new[] { "-DSTANDIN_BROKEN_CLAIM" } : [];
            return Build(name, [
                "-std=gnu11", "-O2", "-Wall", "-Wextra", "-Werror", "-pthread", .. include, "-I", Path.Combine(Repository.Root, "impl", "c"),
                .. defines, "-o", name,
                Path.Combine(Folder, "xen-vector-runner.c"), Json, Path.Combine(Folder, "standin", "standin.c"),
                Path.Combine(Repository.Root, "impl", "c", "claimref.c")]);
        }

        private string Build(string name, string[] arguments)
        {
            if (!built.TryGetValue(name, out var path))
            {
                Tools.Run(Scratch, "cc", arguments);
                path = Path.Combine(Scratch, name);
                built[name] = path;
            }

            return path;
        }

        public void Dispose() => scratch.Dispose();
    }

    private void SkipWithoutCc() => Skip.If(builds.MissingCc is not null, builds.MissingCc);

    private void SkipUnless(string header)
    {
        SkipWithoutCc();
        Skip.If(header == "system" && builds.MissingHeader is not null, builds.MissingHeader);
    }

    /// <summary>Runs a build; the stand-in's host shape from XEN_STANDIN_HOST when given, else its defaults.</summary>
    private static (int Exit, string Out, string Err) Run(string binary, string? host, params string[] arguments)
    {
        var result = ChildProcess.Run(binary, arguments, TimeSpan.FromMinutes(1), Repository.Root,
            new Dictionary<string, string?> { ["XEN_STANDIN_HOST"] = host });
        return (result.ExitCode, result.Stdout, result.Stderr);
    }

    /// <summary>Each vector's verdict line, by name: "passed", "FAILED line ...", "not runnable: ...".</summary>
    private static Dictionary<string, string> Verdicts(string stdout) =>
        Regex.Matches(stdout, @"^(?<name>[^#\s][^:\s]*): (?<verdict>.*)$", RegexOptions.Multiline)
            .Where(m => m.Groups["name"].Value != "xen-vector-runner")
            .ToDictionary(m => m.Groups["name"].Value, m => m.Groups["verdict"].Value, StringComparer.Ordinal);

    /// <summary>
    /// README.md's rules, read independently of the C: a vector is runnable when its host is one node without LLC
    /// colouring and every line is one of the runner's operations, called by the toolstack, with arguments libxenctrl
    /// can express (no negative size, no soft claim, orders 0, 9, 18, no node), and no domain is used after a kill
    /// but for domaininfo. Null when runnable, else the word the runner's "not runnable:" starts with.
    /// </summary>
    private static string? NotRunnableBecause(string jsonl)
    {
        var lines = File.ReadAllLines(jsonl).Where(l => l.Length > 0).ToArray();
        using var header = JsonDocument.Parse(lines[0]);
        var host = header.RootElement.GetProperty("host");
        if (host.GetProperty("llc").GetBoolean() || host.GetProperty("nodes").GetInt64() != 1)
        {
            return "host";
        }

        var killed = new HashSet<long>();
        foreach (var line in lines.Skip(1))
        {
            using var step = JsonDocument.Parse(line);
            var request = step.RootElement.GetProperty("request");
            var op = request.GetProperty("op").GetString() ?? "";
            bool Has(string name) => request.TryGetProperty(name, out _);
            long Int(string name) => request.GetProperty(name).GetInt64();
            var asToolstack = !request.TryGetProperty("as", out var caller) || (caller.ValueKind == JsonValueKind.String && caller.GetString() == "dom0");
            var soft = request.TryGetProperty("soft", out var s) && s.GetBoolean();
            if (!RunnableOps.Contains(op) || !asToolstack || (Has("max") && Int("max") < 0) || (Has("pages") && Int("pages") < 0) || soft
                || (Has("order") && Int("order") is not (0 or 9 or 18)) || Has("node")
                || (Has("domain") && killed.Contains(Int("domain")) && op is not ("domaininfo" or "physinfo")))
            {
                return op;
            }

            var result = step.RootElement.TryGetProperty("result", out var r) ? r.GetString() : "ok";
            if (op == "kill" && result == "ok")
            {
                killed.Add(Int("domain"));
            }
        }

        return null;
    }

    [SkippableFact]
    public void The_runner_compiles_against_libxen_dev_s_header_and_links_with_libxenctrl()
    {
        SkipUnless("system");
        var runner = builds.Real();
        // --version touches no hypervisor: the tests never run the real build on vectors (a CI host could be a dom0).
        var (exit, stdout, _) = Run(runner, null, "--version");
        Assert.Equal(0, exit);
        var m = Regex.Match(stdout, @"^xen-vector-runner 1\.0 \(XEN_DOMCTL_INTERFACE_VERSION 0x(?<v>[0-9a-f]+): getdomaininfo through (?<call>\w+)\)");
        Assert.True(m.Success, stdout);
        var expected = Convert.ToInt32(m.Groups["v"].Value, 16) >= 0x16 ? "xc_domain_getinfo_single" : "xc_domain_getinfolist";
        Assert.Equal(expected, m.Groups["call"].Value);
        output.WriteLine(stdout.Trim());
    }

    [SkippableTheory]
    [InlineData("system", "auto")]
    [InlineData("system", "always")]
    [InlineData("minimal", "auto")]
    [InlineData("minimal", "always")]
    public void Linked_with_the_stand_in_every_runnable_xen_4_22_vector_passes_and_the_others_are_not_runnable(string header, string filler)
    {
        SkipUnless(header);
        var runner = builds.StandIn(header);
        var watch = Stopwatch.StartNew();
        var (exit, stdout, stderr) = Run(runner, null, "--filler", filler, Vectors);
        watch.Stop();
        var expected = Directory.GetFiles(Vectors, "*.jsonl").Order(StringComparer.Ordinal)
            .ToDictionary(f => Path.GetFileNameWithoutExtension(f), NotRunnableBecause, StringComparer.Ordinal);
        var verdicts = Verdicts(stdout);
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), verdicts.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, why) in expected)
        {
            if (why is null)
            {
                Assert.True(verdicts[name] == "passed", $"{name}: {verdicts[name]}\n{stderr}");
            }
            else
            {
                Assert.StartsWith("not runnable: " + why, verdicts[name], StringComparison.Ordinal);
            }
        }

        var runnable = expected.Count(e => e.Value is null);
        var notRunnable = expected.Count - runnable;
        // The split of the committed vectors (README.md): a regenerated folder may move it; the reading above says how.
        Assert.True((runnable, notRunnable) == (11, 25), $"{runnable} runnable and {notRunnable} not runnable, not 11 and 25: update README.md");
        Assert.Contains($"xen-vector-runner: {runnable} passed, 0 failed, {notRunnable} not runnable, 0 errors", stdout, StringComparison.Ordinal);
        Assert.Equal(0, exit);
        // The header decides the domain-info call: the minimal one is 4.18's (getinfo_single), libxen-dev's may be older.
        Assert.Matches(header == "minimal" ? "getdomaininfo through xc_domain_getinfo_single" : "getdomaininfo through xc_domain_getinfo", stdout);
        output.WriteLine($"{header} header, filler {filler}: {runnable} runnable (passed), {notRunnable} not runnable, in {watch.ElapsedMilliseconds} ms");
    }

    [SkippableFact]
    public void The_filler_claim_makes_a_big_host_look_like_the_vector_s_tiny_one()
    {
        SkipWithoutCc();
        Assert.True(ScriptRunner.Run(TinyHost, name: "tiny-host").Passed, ScriptRunner.Run(TinyHost).Render());
        var scratch = Path.Combine(builds.Scratch, "tiny-host");
        Directory.CreateDirectory(scratch);
        var vector = Path.Combine(scratch, "tiny-host.jsonl");
        File.WriteAllLines(vector, VectorJson.Lines("tiny-host", TinyHost));
        var runner = builds.StandIn(builds.DefaultHeader);

        foreach (var host in new string?[] { null, OtherHost })
        {
            var (exit, stdout, stderr) = Run(runner, host, "-v", vector);
            Assert.True(exit == 0, stdout + stderr);
            Assert.Equal("passed", Verdicts(stdout)["tiny-host"]);
            Assert.Contains("filler on", stderr, StringComparison.Ordinal);
        }

        // Without it the big host has room: the first claim the vector's host refuses is granted.
        var line = Array.FindIndex(TinyHost.Split('\n'), l => l.StartsWith("claim d1 5 -> ENOMEM", StringComparison.Ordinal)) + 1;
        var (neverExit, neverOut, _) = Run(runner, null, "--filler", "never", vector);
        Assert.Equal(1, neverExit);
        Assert.Equal($"FAILED line {line}: expected ENOMEM, got ok", Verdicts(neverOut)["tiny-host"]);
    }

    [SkippableFact]
    public void A_stand_in_that_claims_a_page_less_makes_the_runner_report_failed_lines()
    {
        SkipWithoutCc();
        var (exit, stdout, _) = Run(builds.StandIn(builds.DefaultHeader, brokenClaim: true), null, Vectors);
        Assert.Equal(1, exit);
        var failed = Verdicts(stdout).Where(v => v.Value.StartsWith("FAILED line ", StringComparison.Ordinal)).ToArray();
        Assert.NotEmpty(failed);
        Assert.Contains(failed, v => Regex.IsMatch(v.Value, @"^FAILED line \d+: expected outstanding=(\d+), got outstanding=(\d+)"));
        // Only vectors that stake a claim can show the fault; every failure names the line and both values.
        foreach (var (name, verdict) in failed)
        {
            Assert.Matches(@"^FAILED line \d+: expected \S+, got \S+", verdict);
            var claims = File.ReadAllLines(Path.Combine(Vectors, name + ".jsonl"))
                .Any(l => Regex.IsMatch(l, @"""op"":""claim"",""domain"":\d+,""pages"":[1-9]"));
            Assert.True(claims, $"{name} failed without a claim: {verdict}");
        }

        Assert.Matches($@"xen-vector-runner: \d+ passed, {failed.Length} failed, \d+ not runnable, 0 errors", stdout);
        output.WriteLine(string.Join("\n", failed.Select(f => $"{f.Key}: {f.Value}")));
    }

    [SkippableFact]
    public void A_vector_the_runner_cannot_read_is_an_error_naming_its_line_never_a_guess()
    {
        SkipWithoutCc();
        var scratch = Path.Combine(builds.Scratch, "unreadable");
        Directory.CreateDirectory(scratch);
        var vector = Path.Combine(scratch, "bad.jsonl");
        File.WriteAllLines(vector, [
            """{"vector":"bad","profile":"xen-4.22","host":{"nodes":1,"pages":4,"llc":false}}""",
            """{"line":3,"source":"claim d1 1","request":{"client":0,"id":1,"op":"claim","pages":1},"result":"ok"}""",
        ]);
        var (exit, stdout, _) = Run(builds.StandIn(builds.DefaultHeader), null, vector);
        Assert.Equal(2, exit);
        Assert.Contains("bad.jsonl: error: line 2: claim without its arguments", stdout, StringComparison.Ordinal);
    }
}
