using ClaimVerified.Model.Protocol;

namespace ClaimVerified.Tests.Protocol;

/// <summary>claimverify serve, in-process: what it answers, and how it refuses a session that breaks the protocol.</summary>
public sealed class ProtocolServerTests
{
    private const string Hello = """{"client":0,"id":1,"op":"hello","protocol":1,"profile":"reference","nodes":2,"pages":4}""";

    private static (int Exit, string[] Lines, string Err) Serve(params string[] lines)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = new ProtocolServer(ServeFault.None).Serve(new StringReader(string.Join('\n', lines)), output, error);
        return (exit, output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries), error.ToString());
    }

    [Fact]
    public void A_client_s_calls_are_answered_in_order_even_when_it_does_not_wait()
    {
        var (exit, lines, _) = Serve(Hello,
            """{"client":1,"id":2,"op":"create","max":6}""",
            """{"client":1,"id":3,"op":"claim","domain":1,"pages":5}""",
            """{"client":1,"id":4,"op":"populate","domain":1,"order":0,"node":1}""",
            """{"client":1,"id":5,"op":"domaininfo","domain":1}""",
            """{"client":0,"id":6,"op":"audit"}""");
        Assert.Equal(0, exit);
        var answers = lines.Select(ProtocolCodec.ParseResponse).ToDictionary(r => r.Id);
        Assert.Equal(("ok", 1L), (answers[2].Result, answers[2].Value));
        Assert.Equal("ok", answers[3].Result);
        Assert.Equal("ok", answers[4].Result);
        Assert.Equal(("1", "4", "alive"), (answers[5].Counters["tot"], answers[5].Counters["claim"], answers[5].Counters["state"]));
        Assert.Equal(("7", "4", "0"), (answers[6].Counters["free"], answers[6].Counters["outstanding"], answers[6].Counters["offlined"]));
        Assert.Equal("claimverify serve", answers[1].Implementation);
    }

    [Fact]
    public void A_profile_it_does_not_know_is_answered_EINVAL()
    {
        var (exit, lines, _) = Serve(Hello.Replace("reference", "xen-9", StringComparison.Ordinal));
        Assert.Equal(0, exit);
        Assert.Equal("EINVAL", ProtocolCodec.ParseResponse(lines.Single()).Result);
    }

    [Theory]
    [InlineData("""{"client":1,"id":2,"op":"physinfo"}""", "request 1/2: a call before hello")]
    [InlineData("""{"client":0,"id":2,"op":"reset","nodes":1,"pages":4}""", "request 0/2: reset before hello")]
    [InlineData("not json", "request: not JSON")]
    public void A_session_that_breaks_the_protocol_ends_with_the_reason_and_exit_code_1(string line, string expected)
    {
        var (exit, _, error) = Serve(line);
        Assert.Equal(1, exit);
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
    }
}
