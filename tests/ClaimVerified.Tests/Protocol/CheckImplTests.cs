using ClaimVerified.Model.Protocol;
using ClaimVerified.Tests.Cli;
using ClaimVerified.Tests.Traces;

namespace ClaimVerified.Tests.Protocol;

/// <summary>
/// check-impl against real child processes: this repository's core behind the protocol (claimverify serve) passes
/// every phase on the profiles that have vectors; the same server with a fault type is rejected by the phase that
/// should see it, with the shortest sequence or the history as evidence; a child that breaks the protocol gets a
/// message that names the request, never a stack trace.
/// </summary>
public sealed class CheckImplTests
{
    private static readonly string ClaimVerifyDll = typeof(ClaimVerified.Cli.Program).Assembly.Location;

    /// <summary>check-impl with smaller random phases than the defaults (the tests run many), against <paramref name="child"/>.</summary>
    private static (int Exit, string Out, string Err) Check(string profile, string[] options, params string[] child) =>
        CliRunner.Run([
            "check-impl", "--profile", profile, "--sequences", "12", "--histories", "6",
            "--vectors", Path.Combine(Repository.Root, "traces", "conformance", profile), .. options, "--", .. child]);

    private static string[] Serve(params string[] arguments) => ["dotnet", ClaimVerifyDll, "serve", .. arguments];

    [Theory]
    [InlineData("reference")]
    [InlineData("xen-4.22")]
    [InlineData("claim-sets")]
    public void The_core_behind_the_protocol_passes_every_phase(string profile)
    {
        var (exit, output, error) = Check(profile, [], Serve());
        Assert.True(exit == 0, output + error);
        Assert.Contains("vectors     passed", output, StringComparison.Ordinal);
        Assert.Contains("sequential  passed   12 sequences", output, StringComparison.Ordinal);
        Assert.Contains("concurrent  passed   6 histories of 3 clients x 8 calls", output, StringComparison.Ordinal);
        Assert.EndsWith("PASSED", output.TrimEnd(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_release_that_is_not_done_is_found_by_the_sequential_phase_and_shrunk_to_one_call()
    {
        var (exit, output, _) = Check("reference", ["--phases", "sequential"], Serve("--fault", DropsRelease.FaultName));
        Assert.Equal(2, exit);
        Assert.Contains("sequential  FAILED", output, StringComparison.Ordinal);
        Assert.Contains("shrunk from 30 to 1 calls", output, StringComparison.Ordinal);
        Assert.Matches(@"  1\. claim d\d 0    <- differs", output);
        Assert.Contains("vectors     skipped  not asked for", output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_stale_physinfo_makes_the_concurrent_histories_not_linearizable_on_a_design_that_promises_it()
    {
        var (exit, output, _) = Check("reference", ["--phases", "concurrent"], Serve("--fault", StalePhysInfo.FaultName));
        Assert.Equal(2, exit);
        Assert.Contains("concurrent  FAILED", output, StringComparison.Ordinal);
        Assert.Contains("is not linearizable", output, StringComparison.Ordinal);
        Assert.Contains("physinfo -> ok", output, StringComparison.Ordinal);
        Assert.Contains("client 1", output, StringComparison.Ordinal);
    }

    [Fact]
    public void On_a_profile_the_manifest_records_as_not_linearizable_a_non_linearizable_history_is_the_known_finding_not_a_pass()
    {
        Assert.Null(ConcurrentPhase.KnownNonLinearizable("reference"));
        var known = ConcurrentPhase.KnownNonLinearizable("xen-4.3");
        Assert.NotNull(known);
        var (exit, output, _) = Check("xen-4.3", ["--phases", "concurrent"], Serve("--fault", StalePhysInfo.FaultName));
        Assert.Equal(0, exit);
        Assert.Contains($"concurrent  known    history", output, StringComparison.Ordinal);
        Assert.Contains($"as the linearizability manifest records for xen-4.3 ({known})", output, StringComparison.Ordinal);
        Assert.DoesNotContain("passed", output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_profile_without_vectors_has_its_vector_phase_skipped_with_the_reason()
    {
        var (exit, output, _) = Check("xen-4.3", ["--phases", "vectors"], Serve());
        Assert.Equal(0, exit);
        Assert.Contains("vectors     skipped  no conformance vectors (*.cvs) in", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("garbage", "it wrote a line that is not a response: response: not JSON")]
    [InlineData("crash", "it exited with code 3")]
    [InlineData("stranger", "it answered request 9/9, which is not in flight")]
    public void A_child_that_breaks_the_protocol_is_named_with_the_request_in_flight(string how, string expected)
    {
        var script = how switch
        {
            "garbage" => "read line; echo garbage",
            "crash" => "read line; echo oops >&2; exit 3",
            _ => "read line; echo '{\"client\":9,\"id\":9,\"result\":\"ok\"}'",
        };
        var (exit, output, error) = Check("reference", [], "sh", "-c", script);
        Assert.Equal(2, exit);
        Assert.Contains("the implementation broke the protocol", output, StringComparison.Ordinal);
        Assert.Contains(expected, output, StringComparison.Ordinal);
        Assert.Contains("\"op\":\"hello\"", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output + error, StringComparison.Ordinal);
        if (how == "crash")
        {
            Assert.Contains("its stderr: oops", output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_child_that_hangs_is_named_after_the_timeout()
    {
        var (exit, output, _) = Check("reference", ["--timeout", "1"], "sleep", "30");
        Assert.Equal(2, exit);
        Assert.Contains("within 1 s (the implementation hangs)", output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_child_that_refuses_the_profile_says_so()
    {
        var (exit, output, _) = Check("reference", [], "sh", "-c", "read line; echo '{\"client\":0,\"id\":1,\"result\":\"EINVAL\"}'; sleep 5");
        Assert.Equal(2, exit);
        Assert.Contains("answered hello for profile reference with EINVAL: it does not implement that profile", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "--clients", "0" }, "--clients must be 1..16, was 0")]
    [InlineData(new[] { "--ops", "65" }, "--ops must be 1..64, was 65")]
    [InlineData(new[] { "--phases", "fuzz" }, "unknown phase 'fuzz'")]
    [InlineData(new[] { "--timeout", "0" }, "--timeout must be above 0")]
    public void Bad_options_are_usage_errors(string[] options, string expected)
    {
        var (exit, _, error) = Check("reference", options, Serve());
        Assert.Equal(1, exit);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_profile_and_a_missing_command_are_usage_errors()
    {
        var (exit, _, error) = CliRunner.Run("check-impl", "--profile", "xen-9", "--", "true");
        Assert.Equal(1, exit);
        Assert.Contains("unknown profile 'xen-9'", error, StringComparison.Ordinal);
        (exit, _, error) = CliRunner.Run("check-impl", "--profile", "reference");
        Assert.Equal(1, exit);
        Assert.Contains("command", error, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void A_command_that_cannot_start_is_named()
    {
        var (exit, output, _) = Check("reference", [], "/nonexistent/impl");
        Assert.Equal(2, exit);
        Assert.Contains("could not start `/nonexistent/impl`", output, StringComparison.Ordinal);
    }
}
