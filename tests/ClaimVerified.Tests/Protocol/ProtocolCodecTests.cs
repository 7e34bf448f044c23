using System.Collections.Immutable;
using ClaimVerified.Model.Protocol;
using ClaimVerified.Specification;

namespace ClaimVerified.Tests.Protocol;

/// <summary>The protocol's lines: every call survives the trip to JSON and back, and every bad line is refused in words that name what is wrong.</summary>
public sealed class ProtocolCodecTests
{
    /// <summary>One call of every kind the protocol carries, with the callers, nodes and claim entries it can express.</summary>
    public static readonly Operation[] EveryKind =
    [
        new CreateDomain(Caller.Control, 12),
        new CreateDomain(Caller.Guest(2), -1),
        new SetMaxPages(Caller.Control, 1, (1L << 62) - 1),
        new ClaimPages(Caller.Control, 1, 8),
        new ClaimPages(Caller.Guest(1), 1, 0, Soft: true),
        new ClaimMemory(Caller.Control, 3, [new ClaimEntry(4, 0), new ClaimEntry(2, ClaimEntry.Global), new ClaimEntry(1, ClaimEntry.Legacy)]),
        new Populate(Caller.Control, 1, 0),
        new Populate(Caller.Guest(1), 1, 9, 1),
        new Populate(Caller.Control, 1, 0, 1, Exact: true),
        new Populate(Caller.Control, 1, 9, Preempted: true),
        new Unpause(Caller.Control, 1),
        new SetNodeAffinity(Caller.Control, 1, 0b101),
        new SetNodeAffinity(Caller.Control, 1, ulong.MaxValue),
        new SetNodeAffinity(Caller.Control, 1, 0),
        new AllocExtraPages(Caller.Control, 1, 0, 0),
        new AllocExtraPages(Caller.Control, 1, 0, 0, Exact: true),
        new DecreaseReservation(Caller.Guest(1), 1, 31),
        new SharePage(Caller.Control, 1),
        new OfflinePage(Caller.Xen, 1),
        new AllocXenHeap(Caller.Xen, 0, Operation.AnyNode),
        new AllocXenHeap(Caller.Xen, 0, 1, Exact: true),
        new FreeXenHeap(Caller.Xen, 2),
        new TmemPut(Caller.Guest(1), 1, TmemPool.Ephemeral),
        new TmemFlush(Caller.Guest(1), 1, TmemPool.Persistent),
        new TmemFlushAll(Caller.Control, 1L << 30),
        new DomainKill(Caller.Control, 1),
        new KillContinuation(Caller.Control, 1),
        new DestroyDomain(Caller.Control, 9999),
        new Specification.PhysInfo(),
        new GetDomainInfo(1),
    ];

    public static TheoryData<int> Kinds() => [.. Enumerable.Range(0, EveryKind.Length)];

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Every_call_survives_the_trip_to_a_line_and_back(int kind)
    {
        var request = ProtocolRequest.ForCall(2, 41, EveryKind[kind]);
        var line = ProtocolCodec.FormatRequest(request);
        Assert.DoesNotContain('\n', line);
        var back = ProtocolCodec.ParseRequest(line);
        Assert.Equal((2, 41L, request.Op), (back.Client, back.Id, back.Op));
        Assert.Equal(EveryKind[kind], back.Call);
    }

    [Fact]
    public void Every_operation_the_protocol_names_is_covered_by_the_kinds_above()
    {
        var named = EveryKind.Select(ProtocolCodec.OpName).Concat([ProtocolRequest.Hello, ProtocolRequest.Reset, ProtocolRequest.Audit]).ToHashSet();
        Assert.Equal(ProtocolCodec.Ops.Order(StringComparer.Ordinal), named.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Control_requests_and_responses_survive_the_trip()
    {
        var hello = ProtocolCodec.ParseRequest(ProtocolCodec.FormatRequest(ProtocolRequest.ForHello(1, "xen-4.22", new HostConfig(2, 8, LlcColouring: true))));
        Assert.Equal(("hello", "xen-4.22", new HostConfig(2, 8, true)), (hello.Op, hello.Profile, hello.Host));
        Assert.True(hello.IsControl);
        Assert.False(hello.Yield);
        Assert.True(ProtocolCodec.ParseRequest(ProtocolCodec.FormatRequest(ProtocolRequest.ForHello(1, "reference", new HostConfig(1, 4), yield: true))).Yield);
        var reset = ProtocolCodec.ParseRequest(ProtocolCodec.FormatRequest(ProtocolRequest.ForReset(2, new HostConfig(1, 4))));
        Assert.Equal(new HostConfig(1, 4), reset.Host);
        Assert.Equal(ProtocolRequest.Audit, ProtocolCodec.ParseRequest(ProtocolCodec.FormatRequest(ProtocolRequest.ForAudit(3))).Op);

        var counters = new Dictionary<string, string> { ["tot"] = "3", ["state"] = "dying", ["claim@node1"] = "0" };
        var response = ProtocolCodec.ParseResponse(ProtocolCodec.FormatResponse(new ProtocolResponse(4, 5, "ok", 0, counters, "impl")));
        Assert.Equal((4, 5L, "ok", "impl"), (response.Client, response.Id, response.Result, response.Implementation));
        Assert.Equal(counters.OrderBy(c => c.Key), response.Counters.OrderBy(c => c.Key));
        Assert.Equal(Errno.ENOMEM, ProtocolCodec.ParseResponse("""{"client":1,"id":2,"result":"ENOMEM"}""").Errno);
    }

    [Theory]
    [InlineData("garbage", "not JSON")]
    [InlineData("[1,2]", "not a JSON object")]
    [InlineData("""{"id":1,"op":"physinfo"}""", "missing \"client\"")]
    [InlineData("""{"client":0,"id":1,"op":"physinfo","colour":"red"}""", "unknown field \"colour\"")]
    [InlineData("""{"client":0,"id":1,"op":"claim","domain":1,"pages":1.5}""", "\"pages\" must be an integer of 64 bits")]
    [InlineData("""{"client":0,"id":1,"op":"claim","domain":1,"pages":18446744073709551616}""", "\"pages\" must be an integer of 64 bits")]
    [InlineData("""{"client":0,"id":1,"op":"claim","domain":1,"pages":"8"}""", "\"pages\" must be an integer of 64 bits")]
    [InlineData("""{"client":0,"id":1,"op":"claim","domain":4294967296,"pages":8}""", "\"domain\" is 4294967296, outside")]
    [InlineData("""{"client":-1,"id":1,"op":"physinfo"}""", "\"client\" is -1, outside")]
    [InlineData("""{"client":0,"id":1,"op":"grow","domain":1}""", "unknown op 'grow'")]
    [InlineData("""{"client":0,"id":1,"op":"tmem-put","domain":1,"pool":"warm"}""", "\"pool\" is \"ephemeral\" or \"persistent\"")]
    [InlineData("""{"client":0,"id":1,"op":"share","domain":1,"as":"root"}""", "\"as\" is \"dom0\", \"xen\" or a domid")]
    [InlineData("""{"client":0,"id":1,"op":"claimset","domain":1,"entries":[{"pages":1,"node":"east"}]}""", "\"node\" is a node number, \"global\" or \"legacy\"")]
    [InlineData("""{"client":0,"id":1,"op":"claimset","domain":1,"entries":{}}""", "\"entries\" must be an array")]
    [InlineData("""{"client":0,"id":1,"op":"hello","protocol":2,"profile":"reference","nodes":1,"pages":4}""", "protocol version 2 is not 1")]
    [InlineData("""{"client":0,"id":1,"op":"reset","nodes":0,"pages":4}""", "\"nodes\" is 0, outside 1..64")]
    [InlineData("""{"client":0,"id":1,"op":"reset","nodes":1,"pages":-4}""", "bad host: PagesPerNode must be 0..2^40")]
    [InlineData("""{"client":0,"id":1,"op":"audit","as":"xen"}""", "unknown field \"as\"")]
    [InlineData("""{"client":0,"id":1,"op":"create","max":1,"max":2}""", "\"max\" given twice")]
    [InlineData("""{"client":0,"id":1,"op":"claimset","domain":1,"entries":[{"pages":1,"node":0,"node":1}]}""", "\"node\" given twice")]
    [InlineData("""{"client":0,"id":1,"op":"populate","domain":1,"order":0,"exact":true}""", "\"exact\" needs a \"node\"")]
    [InlineData("""{"client":0,"id":1,"op":"populate","domain":1,"order":0,"node":0,"exact":1}""", "\"exact\" must be true or false")]
    [InlineData("""{"client":0,"id":1,"op":"claim","domain":1,"pages":1,"exact":true}""", "unknown field \"exact\"")]
    [InlineData("""{"client":0,"id":1,"op":"node-affinity","domain":1,"affinity":[64]}""", "\"affinity\" must be node numbers 0..63")]
    [InlineData("""{"client":0,"id":1,"op":"node-affinity","domain":1,"affinity":"some"}""", "\"affinity\" must be an array of at most 64 node numbers")]
    [InlineData("""{"client":0,"id":1,"op":"node-affinity","domain":1}""", "missing \"affinity\"")]
    public void A_bad_request_is_refused_naming_what_is_wrong(string line, string expected)
    {
        var e = Assert.Throws<ProtocolException>(() => ProtocolCodec.ParseRequest(line));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"client":0,"id":1,"result":"EWHATEVER"}""", "result 'EWHATEVER' is not ok or an errno name")]
    [InlineData("""{"client":0,"id":1,"result":"Ok"}""", "result 'Ok' is not ok or an errno name")]
    [InlineData("""{"client":0,"id":1,"result":"22"}""", "result '22' is not ok or an errno name")]
    [InlineData("""{"client":0,"id":1,"result":"ok","counters":{"free":[1]}}""", "\"counters.free\" must be an integer or a string")]
    [InlineData("""{"client":0,"id":1}""", "missing \"result\"")]
    public void A_bad_response_is_refused_naming_what_is_wrong(string line, string expected)
    {
        var e = Assert.Throws<ProtocolException>(() => ProtocolCodec.ParseResponse(line));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_line_past_the_limit_is_refused_before_it_is_parsed()
    {
        var line = "{\"client\":0,\"id\":1,\"op\":\"physinfo\",\"pad\":\"" + new string('x', ProtocolCodec.MaxLineBytes) + "\"}";
        Assert.Contains("more than 65536 bytes", Assert.Throws<ProtocolException>(() => ProtocolCodec.ParseRequest(line)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_claim_set_of_too_many_entries_is_refused_but_one_past_Xen_s_limit_still_reaches_the_implementation()
    {
        // Xen's limit (MAX_NUMNODES + 1 entries, else E2BIG) is the implementation's to answer: the protocol carries it.
        var past = new ClaimMemory(Caller.Control, 1, [.. Enumerable.Range(0, ClaimEntry.MaxEntries + 1).Select(n => new ClaimEntry(0, n))]);
        Assert.Equal(past, ProtocolCodec.ParseRequest(ProtocolCodec.FormatRequest(ProtocolRequest.ForCall(0, 1, past))).Call);
        var far = ImmutableArray.CreateRange(Enumerable.Range(0, ClaimEntry.MaxEntries + 9).Select(n => new ClaimEntry(0, n)));
        var line = ProtocolCodec.FormatRequest(ProtocolRequest.ForCall(0, 1, new ClaimMemory(Caller.Control, 1, far)));
        Assert.Contains("more than", Assert.Throws<ProtocolException>(() => ProtocolCodec.ParseRequest(line)).Message, StringComparison.Ordinal);
    }
}
