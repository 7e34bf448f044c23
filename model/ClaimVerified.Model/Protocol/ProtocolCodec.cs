using System.Buffers;
using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using System.Text.Json;
using ClaimVerified.Specification;

namespace ClaimVerified.Model.Protocol;

/// <summary>
/// The protocol's lines as JSON (docs/protocol.md): requests and responses to and from text, both ways, so that the
/// checker (which writes requests and reads responses) and <see cref="ProtocolServer"/> (the reverse) share one
/// definition. Reading is strict: an unknown field, a missing or mistyped one, a fraction or a number beyond 64 bits
/// is a <see cref="ProtocolException"/> that names the field.
/// </summary>
public static class ProtocolCodec
{
    /// <summary>The protocol's version, sent in <c>hello</c>.</summary>
    public const int Version = 1;

    /// <summary>A limit on everything: a line longer than this is refused (a claim set of 65 entries is about 2 KiB).</summary>
    public const int MaxLineBytes = 64 * 1024;

    /// <summary>The operations a request may name, in the order docs/protocol.md lists them.</summary>
    public static IReadOnlyList<string> Ops { get; } =
    [
        ProtocolRequest.Hello, ProtocolRequest.Reset, ProtocolRequest.Audit, "create", "maxmem", "node-affinity", "unpause", "claim", "claimset", "populate", "extra", "decrease", "share",
        "offline", "xen-alloc", "xen-free", "tmem-put", "tmem-flush", "tmem-flush-all", "kill", "kill-step", "destroy", "physinfo", "domaininfo",
    ];

    public static string OpName(Operation call) => call switch
    {
        CreateDomain => "create",
        SetMaxPages => "maxmem",
        SetNodeAffinity => "node-affinity",
        Unpause => "unpause",
        ClaimPages => "claim",
        ClaimMemory => "claimset",
        Populate => "populate",
        AllocExtraPages => "extra",
        DecreaseReservation => "decrease",
        SharePage => "share",
        OfflinePage => "offline",
        AllocXenHeap => "xen-alloc",
        FreeXenHeap => "xen-free",
        TmemPut => "tmem-put",
        TmemFlush => "tmem-flush",
        TmemFlushAll => "tmem-flush-all",
        DomainKill => "kill",
        KillContinuation => "kill-step",
        DestroyDomain => "destroy",
        Specification.PhysInfo => "physinfo",
        GetDomainInfo => "domaininfo",
        _ => throw new ArgumentException($"no protocol name for {call?.GetType().Name}", nameof(call)),
    };

    public static string FormatRequest(ProtocolRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Write(w =>
        {
            w.WriteNumber("client", request.Client);
            w.WriteNumber("id", request.Id);
            w.WriteString("op", request.Op);
            if (request.Op == ProtocolRequest.Hello)
            {
                w.WriteNumber("protocol", Version);
                w.WriteString("profile", request.Profile);
                if (request.Yield)
                {
                    w.WriteBoolean("yield", true);
                }
            }

            if (request.Host is { } host)
            {
                w.WriteNumber("nodes", host.NodeCount);
                w.WriteNumber("pages", host.PagesPerNode);
                w.WriteBoolean("llc", host.LlcColouring);
            }

            if (request.Call is { } call)
            {
                WriteCall(w, call);
            }
        });
    }

    public static string FormatResponse(ProtocolResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        return Write(w =>
        {
            w.WriteNumber("client", response.Client);
            w.WriteNumber("id", response.Id);
            w.WriteString("result", response.Result);
            w.WriteNumber("value", response.Value);
            if (response.Implementation is { } implementation)
            {
                w.WriteString("implementation", implementation);
            }

            if (response.Counters.Count > 0)
            {
                w.WriteStartObject("counters");
                foreach (var (key, value) in response.Counters)
                {
                    if (long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number))
                    {
                        w.WriteNumber(key, number);
                    }
                    else
                    {
                        w.WriteString(key, value);
                    }
                }

                w.WriteEndObject();
            }
        });
    }

    public static ProtocolRequest ParseRequest(string line)
    {
        using var document = Parse(line, "request");
        var o = new Fields(document.RootElement, "request");
        var client = o.Int("client", 0, 1 << 20);
        var id = o.Long("id");
        var op = o.String("op");
        var request = op switch
        {
            ProtocolRequest.Hello => Hello(o, client, id),
            ProtocolRequest.Reset => new ProtocolRequest(client, id, op, Host: HostOf(o)),
            ProtocolRequest.Audit => new ProtocolRequest(client, id, op),
            _ => new ProtocolRequest(client, id, op, CallOf(o, op)),
        };
        o.NothingElse();
        return request;
    }

    public static ProtocolResponse ParseResponse(string line)
    {
        using var document = Parse(line, "response");
        var o = new Fields(document.RootElement, "response");
        var client = o.Int("client", 0, 1 << 20);
        var id = o.Long("id");
        var result = o.String("result");
        if (ParseResult(result) is null)
        {
            throw new ProtocolException($"response: result '{result}' is not ok or an errno name ({string.Join(", ", Enum.GetNames<Errno>().Skip(1))})");
        }

        var value = o.OptionalLong("value") ?? 0;
        var implementation = o.OptionalString("implementation");
        var counters = o.Counters("counters");
        o.NothingElse();
        return new ProtocolResponse(client, id, result, value, counters, implementation);
    }

    /// <summary>"ok" or an errno name to its <see cref="Errno"/>; null when it is neither.</summary>
    public static Errno? ParseResult(string result) =>
        result == "ok" ? Errno.Ok
        : result.StartsWith('E') && Enum.TryParse<Errno>(result, ignoreCase: false, out var errno) && Enum.IsDefined(errno) ? errno
        : null;

    public static string ResultName(Errno errno) => errno == Errno.Ok ? "ok" : errno.ToString();

    private static ProtocolRequest Hello(Fields o, int client, long id)
    {
        var version = o.Int("protocol", 0, int.MaxValue);
        if (version != Version)
        {
            throw new ProtocolException($"request: protocol version {version} is not {Version}, the one this side speaks");
        }

        return new ProtocolRequest(client, id, ProtocolRequest.Hello, Profile: o.String("profile"), Host: HostOf(o), Yield: o.OptionalBool("yield") ?? false);
    }

    private static HostConfig HostOf(Fields o)
    {
        var host = new HostConfig(o.Int("nodes", 1, HostConfig.MaxNodeCount), o.Long("pages"), o.OptionalBool("llc") ?? false);
        return host.Validate() is { } problem ? throw new ProtocolException($"request: bad host: {problem}") : host;
    }

    private static Operation CallOf(Fields o, string op)
    {
        var by = CallerOf(o);
        return op switch
        {
            "create" => new CreateDomain(by, o.Long("max")),
            "maxmem" => new SetMaxPages(by, o.Domain(), o.Long("max")),
            "node-affinity" => new SetNodeAffinity(by, o.Domain(), o.Affinity()),
            "claim" => new ClaimPages(by, o.Domain(), o.Long("pages"), o.OptionalBool("soft") ?? false),
            "claimset" => new ClaimMemory(by, o.Domain(), o.Entries("entries")),
            "populate" => new Populate(by, o.Domain(), o.Order(), o.Node(), o.Exact(), o.OptionalBool("preempted") ?? false),
            "unpause" => new Unpause(by, o.Domain()),
            "extra" => new AllocExtraPages(by, o.Domain(), o.Order(), o.Node(), o.Exact()),
            "decrease" => new DecreaseReservation(by, o.Domain(), o.Order()),
            "share" => new SharePage(by, o.Domain()),
            "offline" => new OfflinePage(by, o.Int("node", 0, int.MaxValue)),
            "xen-alloc" => new AllocXenHeap(by, o.Order(), o.Node(), o.Exact()),
            "xen-free" => new FreeXenHeap(by, o.Long("pages")),
            "tmem-put" => new TmemPut(by, o.Domain(), o.Pool()),
            "tmem-flush" => new TmemFlush(by, o.Domain(), o.Pool()),
            "tmem-flush-all" => new TmemFlushAll(by, o.Long("pages")),
            "kill" => new DomainKill(by, o.Domain()),
            "kill-step" => new KillContinuation(by, o.Domain()),
            "destroy" => new DestroyDomain(by, o.Domain()),
            "physinfo" => new Specification.PhysInfo(),
            "domaininfo" => new GetDomainInfo(o.Domain()),
            _ => throw new ProtocolException($"request: unknown op '{op}' (one of: {string.Join(", ", Ops)})"),
        };
    }

    /// <summary>"as": "dom0" (the default), "xen", or a guest's domid acting for itself.</summary>
    private static Caller CallerOf(Fields o)
    {
        if (!o.Has("as"))
        {
            return Caller.Control;
        }

        var who = o.Raw("as");
        return who.ValueKind switch
        {
            JsonValueKind.String when who.GetString() == "dom0" => Caller.Control,
            JsonValueKind.String when who.GetString() == "xen" => Caller.Xen,
            JsonValueKind.Number when who.TryGetInt32(out var domid) && domid is >= 0 and < Spec.DomIdLimit => Caller.Guest(domid),
            _ => throw new ProtocolException($"request: \"as\" is \"dom0\", \"xen\" or a domid 0..{Spec.DomIdLimit - 1}, not {who.GetRawText()}"),
        };
    }

    private static void WriteCall(Utf8JsonWriter w, Operation call)
    {
        switch (call)
        {
            case CreateDomain op: WriteAs(w, op.Caller); w.WriteNumber("max", op.MaxPages); break;
            case SetMaxPages op: WriteAs(w, op.Caller); w.WriteNumber("domain", op.DomId); w.WriteNumber("max", op.MaxPages); break;
            case SetNodeAffinity op: WriteAs(w, op.Caller); w.WriteNumber("domain", op.DomId); WriteAffinity(w, op.Nodes); break;
            case ClaimPages op:
                WriteAs(w, op.Caller); w.WriteNumber("domain", op.DomId); w.WriteNumber("pages", op.Pages);
                if (op.Soft)
                {
                    w.WriteBoolean("soft", true);
                }

                break;
            case ClaimMemory op: WriteAs(w, op.Caller); w.WriteNumber("domain", op.DomId); WriteEntries(w, op.Entries); break;
            case Populate op:
                WriteAs(w, op.Caller); w.WriteNumber("domain", op.DomId); w.WriteNumber("order", op.Order); WriteNode(w, op.Node, op.Exact);
                if (op.Preempted)
                {
                    w.WriteBoolean("preempted", true);
                }

                break;
            case Unpause op: WriteAs(w, op.Caller); w.WriteNumber("domain", op.DomId); break;
            case AllocExtraPages op: WriteAs(w, op.Caller); w.WriteNumber("domain", op.DomId); w.WriteNumber("order", op.Order); WriteNode(w, op.Node, op.Exact); break;
            case DecreaseReservation op: WriteAs(w, op.Caller); w.WriteNumber("domain", op.DomId); w.WriteNumber("order", op.Order); break;
            case SharePage op: WriteAs(w, op.Caller); w.WriteNumber("domain", op.DomId); break;
            case OfflinePage op: WriteAs(w, op.Caller); w.WriteNumber("node", op.Node); break;
            case AllocXenHeap op: WriteAs(w, op.Caller); w.WriteNumber("order", op.Order); WriteNode(w, op.Node, op.Exact); break;
            case FreeXenHeap op: WriteAs(w, op.Caller); w.WriteNumber("pages", op.Pages); break;
            case TmemPut op: WriteAs(w, op.Caller); w.WriteNumber("domain", op.DomId); w.WriteString("pool", PoolName(op.Pool)); break;
            case TmemFlush op: WriteAs(w, op.Caller); w.WriteNumber("domain", op.DomId); w.WriteString("pool", PoolName(op.Pool)); break;
            case TmemFlushAll op: WriteAs(w, op.Caller); w.WriteNumber("pages", op.Pages); break;
            case DomainKill op: WriteAs(w, op.Caller); w.WriteNumber("domain", op.DomId); break;
            case KillContinuation op: WriteAs(w, op.Caller); w.WriteNumber("domain", op.DomId); break;
            case DestroyDomain op: WriteAs(w, op.Caller); w.WriteNumber("domain", op.DomId); break;
            case GetDomainInfo op: w.WriteNumber("domain", op.DomId); break;
            case Specification.PhysInfo: break;
            default: throw new ArgumentException($"no protocol form for {call.GetType().Name}", nameof(call));
        }
    }

    private static void WriteAs(Utf8JsonWriter w, Caller caller)
    {
        switch (caller.Kind)
        {
            case CallerKind.Xen: w.WriteString("as", "xen"); break;
            case CallerKind.Guest: w.WriteNumber("as", caller.DomainId); break;
            default: break; // dom0 is the default: not written.
        }
    }

    private static void WriteAffinity(Utf8JsonWriter w, ulong nodes)
    {
        if (nodes == ulong.MaxValue)
        {
            w.WriteString("affinity", "all");
            return;
        }

        w.WriteStartArray("affinity");
        for (var node = 0; node < 64; node++)
        {
            if ((nodes & (1UL << node)) != 0)
            {
                w.WriteNumberValue(node);
            }
        }

        w.WriteEndArray();
    }

    private static void WriteNode(Utf8JsonWriter w, int node, bool exact)
    {
        if (node != Operation.AnyNode)
        {
            w.WriteNumber("node", node);
            if (exact)
            {
                w.WriteBoolean("exact", true);
            }
        }
    }

    private static void WriteEntries(Utf8JsonWriter w, ImmutableArray<ClaimEntry> entries)
    {
        w.WriteStartArray("entries");
        foreach (var entry in entries)
        {
            w.WriteStartObject();
            w.WriteNumber("pages", entry.Pages);
            switch (entry.Target)
            {
                case ClaimEntry.Global: w.WriteString("node", "global"); break;
                case ClaimEntry.Legacy: w.WriteString("node", "legacy"); break;
                default: w.WriteNumber("node", entry.Target); break;
            }

            w.WriteEndObject();
        }

        w.WriteEndArray();
    }

    private static string PoolName(TmemPool pool) => pool == TmemPool.Ephemeral ? "ephemeral" : "persistent";

    private static string Write(Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            body(w);
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static JsonDocument Parse(string line, string what)
    {
        ArgumentNullException.ThrowIfNull(line);
        if (Encoding.UTF8.GetByteCount(line) > MaxLineBytes)
        {
            throw new ProtocolException($"{what}: a line of more than {MaxLineBytes} bytes");
        }

        try
        {
            var document = JsonDocument.Parse(line, new JsonDocumentOptions { MaxDepth = 8 });
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                document.Dispose();
                throw new ProtocolException($"{what}: not a JSON object: {Excerpt(line)}");
            }

            return document;
        }
        catch (JsonException e)
        {
            throw new ProtocolException($"{what}: not JSON ({e.Message.Split('.')[0]}): {Excerpt(line)}");
        }
    }

    internal static string Excerpt(string line) => line.Length <= 120 ? line : line[..120] + "...";

    /// <summary>The fields of one object, read strictly; every field read is consumed, and any left over is an error.</summary>
    private sealed class Fields
    {
        private readonly HashSet<string> read = new(StringComparer.Ordinal);
        private readonly JsonElement element;
        private readonly string what;

        /// <summary>A field given twice is refused: which of the two was meant is not for the reader to guess.</summary>
        public Fields(JsonElement element, string what)
        {
            (this.element, this.what) = (element, what);
            var twice = element.EnumerateObject().GroupBy(p => p.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
            if (twice is not null)
            {
                throw new ProtocolException($"{what}: \"{twice.Key}\" given twice");
            }
        }

        public bool Has(string name) => element.TryGetProperty(name, out _);

        public JsonElement Raw(string name)
        {
            read.Add(name);
            return element.TryGetProperty(name, out var value) ? value : throw new ProtocolException($"{what}: missing \"{name}\"");
        }

        public string String(string name)
        {
            var value = Raw(name);
            return value.ValueKind == JsonValueKind.String ? value.GetString()! : throw Mistyped(name, "a string", value);
        }

        public string? OptionalString(string name) => Has(name) ? String(name) : null;

        public long Long(string name)
        {
            var value = Raw(name);
            return value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number) ? number
                : throw Mistyped(name, "an integer of 64 bits", value);
        }

        public long? OptionalLong(string name) => Has(name) ? Long(name) : null;

        public int Int(string name, int min, int max)
        {
            var value = Long(name);
            return value >= min && value <= max ? (int)value : throw new ProtocolException($"{what}: \"{name}\" is {value}, outside {min}..{max}");
        }

        public bool? OptionalBool(string name)
        {
            if (!Has(name))
            {
                return null;
            }

            var value = Raw(name);
            return value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean() : throw Mistyped(name, "true or false", value);
        }

        public int Domain() => Int("domain", int.MinValue, int.MaxValue);

        /// <summary>"affinity": an array of node numbers 0..63 (MAX_NUMNODES), or "all" for the full set.</summary>
        public ulong Affinity()
        {
            var value = Raw("affinity");
            if (value.ValueKind == JsonValueKind.String && value.GetString() == "all")
            {
                return ulong.MaxValue;
            }

            if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() > 64)
            {
                throw Mistyped("affinity", "an array of at most 64 node numbers, or \"all\"", value);
            }

            var nodes = 0UL;
            foreach (var node in value.EnumerateArray())
            {
                nodes |= node.ValueKind == JsonValueKind.Number && node.TryGetInt32(out var n) && n is >= 0 and < 64
                    ? 1UL << n
                    : throw Mistyped("affinity", "node numbers 0..63", node);
            }

            return nodes;
        }

        /// <summary>An extent's order: any 32-bit value (the implementation answers a bad one, as Xen does).</summary>
        public int Order() => Int("order", int.MinValue, int.MaxValue);

        public int Node() => Has("node") ? Int("node", 0, int.MaxValue) : Operation.AnyNode;

        /// <summary>Whether only the named node will do; it names no node without one (Xen would drop it silently).</summary>
        public bool Exact() => OptionalBool("exact") switch
        {
            true when !Has("node") => throw new ProtocolException($"{what}: \"exact\" needs a \"node\""),
            var exact => exact ?? false,
        };

        public TmemPool Pool() => String("pool") switch
        {
            "ephemeral" => TmemPool.Ephemeral,
            "persistent" => TmemPool.Persistent,
            var other => throw new ProtocolException($"{what}: \"pool\" is \"ephemeral\" or \"persistent\", not \"{other}\""),
        };

        public ImmutableArray<ClaimEntry> Entries(string name)
        {
            var value = Raw(name);
            if (value.ValueKind != JsonValueKind.Array)
            {
                throw Mistyped(name, "an array", value);
            }

            if (value.GetArrayLength() > ClaimEntry.MaxEntries + 8)
            {
                throw new ProtocolException($"{what}: more than {ClaimEntry.MaxEntries + 8} claim entries");
            }

            return [.. value.EnumerateArray().Select(Entry)];
        }

        public IReadOnlyDictionary<string, string> Counters(string name)
        {
            if (!Has(name))
            {
                return new Dictionary<string, string>(StringComparer.Ordinal);
            }

            var value = Raw(name);
            if (value.ValueKind != JsonValueKind.Object)
            {
                throw Mistyped(name, "an object", value);
            }

            var counters = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var counter in value.EnumerateObject())
            {
                counters[counter.Name] = counter.Value.ValueKind switch
                {
                    JsonValueKind.Number when counter.Value.TryGetInt64(out var n) => n.ToString(CultureInfo.InvariantCulture),
                    JsonValueKind.String => counter.Value.GetString()!,
                    _ => throw Mistyped($"{name}.{counter.Name}", "an integer or a string", counter.Value),
                };
            }

            return counters;
        }

        public void NothingElse()
        {
            var extra = element.EnumerateObject().Select(p => p.Name).FirstOrDefault(n => !read.Contains(n));
            if (extra is not null)
            {
                throw new ProtocolException($"{what}: unknown field \"{extra}\"");
            }
        }

        private ClaimEntry Entry(JsonElement entry)
        {
            if (entry.ValueKind != JsonValueKind.Object)
            {
                throw Mistyped("entries[]", "an object {\"pages\": N, \"node\": K | \"global\" | \"legacy\"}", entry);
            }

            var o = new Fields(entry, what + " entry");
            var pages = o.Long("pages");
            var node = o.Raw("node");
            var target = node.ValueKind switch
            {
                JsonValueKind.String when node.GetString() == "global" => ClaimEntry.Global,
                JsonValueKind.String when node.GetString() == "legacy" => ClaimEntry.Legacy,
                JsonValueKind.Number when node.TryGetInt32(out var k) && k >= 0 => k,
                _ => throw new ProtocolException($"{what}: a claim entry's \"node\" is a node number, \"global\" or \"legacy\", not {node.GetRawText()}"),
            };
            o.NothingElse();
            return new ClaimEntry(pages, target);
        }

        private ProtocolException Mistyped(string name, string wanted, JsonElement value) =>
            new($"{what}: \"{name}\" must be {wanted}, not {Excerpt(value.GetRawText())}");
    }
}
