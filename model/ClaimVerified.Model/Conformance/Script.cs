using System.Collections.Immutable;
using System.Globalization;
using ClaimVerified.Profiles;
using ClaimVerified.Specification;

namespace ClaimVerified.Model.Conformance;

/// <summary>A syntax error: where (1-based line and column), what is wrong, and what was expected there.</summary>
public sealed record ScriptError(int Line, int Column, string Message, string Expected)
{
    public string Render() => $"line {Line}, column {Column}: {Message}; expected {Expected}";

    public override string ToString() => Render();
}

/// <summary>Thrown by <see cref="ScriptParser.Parse"/> on the first syntax error.</summary>
public sealed class ScriptSyntaxException(ScriptError error) : Exception(error?.Render())
{
    public ScriptError Error { get; } = error ?? throw new ArgumentNullException(nameof(error));
}

/// <summary>A counter expectation: <c>free=10</c>, <c>outstanding@node1=2</c>, <c>state=dead</c>.</summary>
public sealed record ScriptCounter(string Name, int? Node, string Value, int Column)
{
    public string Key => Node is { } n ? $"{Name}@node{n}" : Name;

    public override string ToString() => $"{Key}={Value}";
}

/// <summary>What a line expects after <c>-&gt;</c>: a result code (null: not stated) and counters.</summary>
public sealed record ScriptExpectation(Errno? Result, IReadOnlyList<ScriptCounter> Counters, int Column);

/// <summary>A reference to a domain: a name bound by an earlier <c>create</c>, or <c>dom&lt;domid&gt;</c> for a raw domid.</summary>
public sealed record DomainRef(string? Name, int? RawId, int Column)
{
    public override string ToString() => Name ?? $"dom{RawId}";
}

/// <summary>Who calls: the control domain (default), Xen, or a guest domain acting for itself.</summary>
public sealed record CallerRef(CallerKind Kind, DomainRef? Guest)
{
    public static CallerRef Control { get; } = new(CallerKind.Control, null);

    public static CallerRef Xen { get; } = new(CallerKind.Xen, null);
}

/// <summary>
/// One operation line of a script. <see cref="Build"/> makes the specification's <see cref="Operation"/> once domain
/// names are resolved to domids; <see cref="Keyword"/> <c>physinfo</c> and <c>domaininfo</c> are queries whose
/// counters the runner reads from both sides.
/// </summary>
public sealed record ScriptStep(
    int Line,
    string Source,
    string Keyword,
    DomainRef? Domain,
    string? Binds,
    ScriptExpectation? Expect,
    Func<Func<DomainRef, int>, Operation> Build);

/// <summary>A parsed script: the host, the optional profile, and the operation lines in order.</summary>
public sealed record Script(HostConfig Host, string? Profile, IReadOnlyList<ScriptStep> Steps);

/// <summary>
/// Parses the operation script format (traces/conformance/FORMAT.md): one statement a line, <c>#</c> comments,
/// a <c>host</c> line first, then an optional <c>profile</c> line, then operations, each optionally followed by
/// <c>-&gt; &lt;result&gt; [counter=value ...]</c>.
/// </summary>
public static class ScriptParser
{
    public static IReadOnlyList<string> Keywords { get; } =
    [
        "host", "profile", "create", "claim", "claimset", "populate", "extra", "decrease", "share", "offline", "tmem-put",
        "tmem-flush", "kill", "destroy", "maxmem", "xen-alloc", "xen-free", "physinfo", "domaininfo",
    ];

    public static IReadOnlyList<string> HostCounters { get; } = ["free", "outstanding", "offlined", "shared", "xenheap"];

    public static IReadOnlyList<string> DomainCounters { get; } = ["tot", "extra", "max", "claim", "state"];

    private const string ResultsText = "ok or an error code (EPERM, ESRCH, E2BIG, ENOMEM, EBUSY, EINVAL, EOPNOTSUPP)";

    /// <summary>Parses <paramref name="text"/>; throws <see cref="ScriptSyntaxException"/> at the first error.</summary>
    public static Script Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        HostConfig? host = null;
        string? profile = null;
        var steps = new List<ScriptStep>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        var lines = text.Split('\n');
        for (var index = 0; index < lines.Length; index++)
        {
            var lineNo = index + 1;
            var raw = lines[index].TrimEnd('\r');
            var hash = raw.IndexOf('#', StringComparison.Ordinal);
            var body = hash < 0 ? raw : raw[..hash];
            var arrow = body.IndexOf("->", StringComparison.Ordinal);
            var command = Tokens(arrow < 0 ? body : body[..arrow], 0);
            if (command.Count == 0)
            {
                if (arrow >= 0)
                {
                    throw Error(lineNo, arrow + 1, "an expectation without an operation", "a keyword before '->'");
                }

                continue;
            }

            var cursor = new Cursor(lineNo, command, arrow < 0 ? body.Length + 1 : arrow + 1);
            var keyword = cursor.Next("a keyword");
            if (!Keywords.Contains(keyword.Text))
            {
                throw Error(lineNo, keyword.Column, $"unknown keyword '{keyword.Text}'", $"one of: {string.Join(", ", Keywords)}");
            }

            if (keyword.Text != "host" && host is null)
            {
                throw Error(lineNo, keyword.Column, $"'{keyword.Text}' before the host line", "'host nodes=<n> pages=<n> [llc]' first");
            }

            ScriptExpectation? expect = arrow < 0 ? null : ParseExpectation(lineNo, body[(arrow + 2)..], arrow + 3, keyword.Text, host);
            switch (keyword.Text)
            {
                case "host":
                    if (host is not null)
                    {
                        throw Error(lineNo, keyword.Column, "a second host line", "one host line");
                    }

                    host = ParseHost(cursor);
                    NoExpectation(lineNo, expect, arrow);
                    continue;
                case "profile":
                    var name = cursor.Next("a profile name");
                    if (!Catalogue.TryGet(name.Text, out var known))
                    {
                        throw Error(lineNo, name.Column, $"unknown profile '{name.Text}'", $"one of: {string.Join(", ", Catalogue.All.Select(p => p.Name))}");
                    }

                    if (steps.Count > 0 || profile is not null)
                    {
                        throw Error(lineNo, keyword.Column, "a profile line after operations or a second profile line", "the profile line right after the host line");
                    }

                    profile = known.Name;
                    cursor.End();
                    NoExpectation(lineNo, expect, arrow);
                    continue;
            }

            steps.Add(ParseStep(lineNo, raw.Trim(), keyword.Text, cursor, expect, names, host!));
        }

        if (host is null)
        {
            throw Error(lines.Length, 1, "no host line", "'host nodes=<n> pages=<n> [llc]'");
        }

        return new Script(host, profile, steps);
    }

    /// <summary>Parses, returning the error instead of throwing.</summary>
    public static Script? TryParse(string text, out ScriptError? error)
    {
        try
        {
            error = null;
            return Parse(text);
        }
        catch (ScriptSyntaxException e)
        {
            error = e.Error;
            return null;
        }
    }

    private static void NoExpectation(int line, ScriptExpectation? expect, int arrow)
    {
        if (expect is not null)
        {
            throw Error(line, arrow + 1, "an expectation on a header line", "no '->' on host and profile lines");
        }
    }

    private static HostConfig ParseHost(Cursor cursor)
    {
        int? nodes = null;
        long? pages = null;
        var llc = false;
        while (cursor.More)
        {
            var token = cursor.Peek;
            if (token.Text == "llc")
            {
                cursor.Next("llc");
                llc = true;
                continue;
            }

            var (key, value, valueColumn) = cursor.KeyValue("nodes=<n>, pages=<n> or llc");
            switch (key)
            {
                case "nodes":
                    nodes = (int)Number(cursor.Line, value, valueColumn, 1, HostConfig.MaxNodeCount);
                    break;
                case "pages":
                    pages = Number(cursor.Line, value, valueColumn, 0, HostConfig.MaxPagesPerNode);
                    break;
                default:
                    throw Error(cursor.Line, token.Column, $"unknown host setting '{key}'", "nodes=<n>, pages=<n> or llc");
            }
        }

        if (nodes is null || pages is null)
        {
            throw Error(cursor.Line, cursor.EndColumn, $"missing {(nodes is null ? "nodes" : "pages")}", nodes is null ? "nodes=<n>" : "pages=<n>");
        }

        return new HostConfig(nodes.Value, pages.Value, llc);
    }

    private static ScriptStep ParseStep(int line, string source, string keyword, Cursor c, ScriptExpectation? expect,
        HashSet<string> names, HostConfig host)
    {
        DomainRef Dom()
        {
            var token = c.Next("a domain (a name from an earlier create, or dom<domid>)");
            if (IsRawDomid(token.Text))
            {
                return new DomainRef(null, (int)Number(line, token.Text[3..], token.Column + 3, 1, int.MaxValue), token.Column);
            }

            if (!IsName(token.Text))
            {
                throw Error(line, token.Column, $"'{token.Text}' is not a domain name", "a domain name (letters, digits, '-', '_') or dom<domid>");
            }

            if (!names.Contains(token.Text))
            {
                throw Error(line, token.Column, $"domain '{token.Text}' is used before it exists", "a domain named by an earlier create line");
            }

            return new DomainRef(token.Text, null, token.Column);
        }

        // Options (key=value, and the words soft/ephemeral/persistent) may follow the positional arguments.
        Dictionary<string, (string Value, int Column)> Options(params string[] allowed)
        {
            var found = new Dictionary<string, (string, int)>(StringComparer.Ordinal);
            while (c.More)
            {
                var token = c.Peek;
                var (key, value, column) = c.KeyValue($"one of: {string.Join(", ", allowed.Select(a => a + "="))}");
                if (!allowed.Contains(key))
                {
                    throw Error(line, token.Column, $"unknown option '{key}'", $"one of: {string.Join(", ", allowed.Select(a => a + "="))}");
                }

                if (!found.TryAdd(key, (value, column)))
                {
                    throw Error(line, token.Column, $"option '{key}' given twice", "each option once");
                }
            }

            return found;
        }

        CallerRef Caller(Dictionary<string, (string Value, int Column)> options, CallerRef fallback)
        {
            if (!options.TryGetValue("as", out var who))
            {
                return fallback;
            }

            return who.Value switch
            {
                "dom0" => CallerRef.Control,
                "xen" => CallerRef.Xen,
                _ when IsRawDomid(who.Value) => new CallerRef(CallerKind.Guest,
                    new DomainRef(null, (int)Number(line, who.Value[3..], who.Column + 3, 1, int.MaxValue), who.Column)),
                _ when IsName(who.Value) && names.Contains(who.Value) => new CallerRef(CallerKind.Guest, new DomainRef(who.Value, null, who.Column)),
                _ => throw Error(line, who.Column, $"unknown caller '{who.Value}'", "dom0, xen, or a domain created earlier"),
            };
        }

        int Order(Dictionary<string, (string Value, int Column)> options)
        {
            if (!options.TryGetValue("order", out var order))
            {
                throw Error(line, c.EndColumn, "missing order", "order=<0|9|18>");
            }

            return (int)Number(line, order.Value, order.Column, int.MinValue, int.MaxValue);
        }

        int NodeOption(Dictionary<string, (string Value, int Column)> options) =>
            options.TryGetValue("node", out var node) ? (int)Number(line, node.Value, node.Column, int.MinValue, int.MaxValue) : Operation.AnyNode;

        static Caller Resolve(CallerRef who, Func<DomainRef, int> ids) => who.Kind switch
        {
            CallerKind.Xen => ClaimVerified.Caller.Xen,
            CallerKind.Control => ClaimVerified.Caller.Control,
            _ => ClaimVerified.Caller.Guest(ids(who.Guest!)),
        };

        ScriptStep Step(DomainRef? domain, Func<Func<DomainRef, int>, Operation> build, string? binds = null) =>
            new(line, source, keyword, domain, binds, expect, build);

        switch (keyword)
        {
            case "create":
            {
                var name = c.Next("a name for the new domain");
                if (!IsName(name.Text))
                {
                    throw Error(line, name.Column, $"'{name.Text}' is not a domain name", "a name of letters, digits, '-' and '_' starting with a letter");
                }

                if (!names.Add(name.Text))
                {
                    throw Error(line, name.Column, $"domain '{name.Text}' is already named", "a new name");
                }

                var options = Options("max", "as");
                if (!options.TryGetValue("max", out var max))
                {
                    throw Error(line, c.EndColumn, "missing max", "max=<pages>");
                }

                var maxPages = Number(line, max.Value, max.Column, long.MinValue, long.MaxValue);
                var who = Caller(options, CallerRef.Control);
                return Step(null, ids => new CreateDomain(Resolve(who, ids), maxPages), name.Text);
            }

            case "claim":
            {
                var d = Dom();
                var pagesToken = c.Next("the claim's pages (an absolute target; 0 releases)");
                var pages = Number(line, pagesToken.Text, pagesToken.Column, long.MinValue, long.MaxValue);
                var soft = false;
                if (c.More && c.Peek.Text == "soft")
                {
                    c.Next("soft");
                    soft = true;
                }

                var who = Caller(Options("as"), CallerRef.Control);
                return Step(d, ids => new ClaimPages(Resolve(who, ids), ids(d), pages, soft));
            }

            case "claimset":
            {
                var d = Dom();
                var entries = new List<ClaimEntry>();
                while (c.More && !c.Peek.Text.StartsWith("as=", StringComparison.Ordinal))
                {
                    var token = c.Next("an entry <pages>@node<n> or <pages>@global");
                    var at = token.Text.IndexOf('@', StringComparison.Ordinal);
                    if (at < 0)
                    {
                        throw Error(line, token.Column, $"'{token.Text}' is not a claim entry", "<pages>@node<n> or <pages>@global");
                    }

                    var pages = Number(line, token.Text[..at], token.Column, long.MinValue, long.MaxValue);
                    var target = token.Text[(at + 1)..];
                    var targetColumn = token.Column + at + 1;
                    var node = target == "global" ? ClaimEntry.Global
                        : target.StartsWith("node", StringComparison.Ordinal) ? (int)Number(line, target[4..], targetColumn + 4, int.MinValue, int.MaxValue)
                        : throw Error(line, targetColumn, $"unknown target '{target}'", "node<n> or global");
                    entries.Add(new ClaimEntry(pages, node));
                }

                var who = Caller(Options("as"), CallerRef.Control);
                var set = entries.ToImmutableArray();
                return Step(d, ids => new ClaimMemory(Resolve(who, ids), ids(d), set));
            }

            case "populate" or "extra":
            {
                var d = Dom();
                var options = Options("order", "node", "as");
                var order = Order(options);
                var node = NodeOption(options);
                var who = Caller(options, CallerRef.Control);
                return keyword == "populate"
                    ? Step(d, ids => new Populate(Resolve(who, ids), ids(d), order, node))
                    : Step(d, ids => new AllocExtraPages(Resolve(who, ids), ids(d), order, node));
            }

            case "decrease":
            {
                var d = Dom();
                var options = Options("order", "as");
                var order = Order(options);
                var who = Caller(options, CallerRef.Control);
                return Step(d, ids => new DecreaseReservation(Resolve(who, ids), ids(d), order));
            }

            case "share" or "kill" or "destroy":
            {
                var d = Dom();
                var who = Caller(Options("as"), CallerRef.Control);
                return keyword switch
                {
                    "share" => Step(d, ids => new SharePage(Resolve(who, ids), ids(d))),
                    "kill" => Step(d, ids => new DomainKill(Resolve(who, ids), ids(d))),
                    _ => Step(d, ids => new DestroyDomain(Resolve(who, ids), ids(d))),
                };
            }

            case "offline":
            {
                var options = Options("node", "as");
                if (!options.TryGetValue("node", out var node))
                {
                    throw Error(line, c.EndColumn, "missing node", "node=<n>");
                }

                var n = (int)Number(line, node.Value, node.Column, int.MinValue, int.MaxValue);
                var who = Caller(options, CallerRef.Xen);
                return Step(null, ids => new OfflinePage(Resolve(who, ids), n));
            }

            case "tmem-put" or "tmem-flush":
            {
                var d = Dom();
                var poolToken = c.Next("ephemeral or persistent");
                var pool = poolToken.Text switch
                {
                    "ephemeral" => TmemPool.Ephemeral,
                    "persistent" => TmemPool.Persistent,
                    _ => throw Error(line, poolToken.Column, $"unknown pool '{poolToken.Text}'", "ephemeral or persistent"),
                };
                var who = Caller(Options("as"), CallerRef.Control);
                return keyword == "tmem-put"
                    ? Step(d, ids => new TmemPut(Resolve(who, ids), ids(d), pool))
                    : Step(d, ids => new TmemFlush(Resolve(who, ids), ids(d), pool));
            }

            case "maxmem":
            {
                var d = Dom();
                var pagesToken = c.Next("the new max_pages");
                var pages = Number(line, pagesToken.Text, pagesToken.Column, long.MinValue, long.MaxValue);
                var who = Caller(Options("as"), CallerRef.Control);
                return Step(d, ids => new SetMaxPages(Resolve(who, ids), ids(d), pages));
            }

            case "xen-alloc":
            {
                var options = Options("order", "node", "as");
                var order = Order(options);
                var node = NodeOption(options);
                var who = Caller(options, CallerRef.Xen);
                return Step(null, ids => new AllocXenHeap(Resolve(who, ids), order, node));
            }

            case "xen-free":
            {
                var pagesToken = c.Next("the pages to free");
                var pages = Number(line, pagesToken.Text, pagesToken.Column, long.MinValue, long.MaxValue);
                var who = Caller(Options("as"), CallerRef.Xen);
                return Step(null, ids => new FreeXenHeap(Resolve(who, ids), pages));
            }

            case "physinfo":
                c.End();
                return Step(null, _ => new Specification.PhysInfo());

            default: // domaininfo
            {
                var d = Dom();
                c.End();
                return Step(d, ids => new GetDomainInfo(ids(d)));
            }
        }
    }

    private static ScriptExpectation ParseExpectation(int line, string text, int column, string keyword, HostConfig? host)
    {
        var tokens = Tokens(text, column - 1);
        Errno? result = null;
        var counters = new List<ScriptCounter>();
        if (tokens.Count == 0)
        {
            throw Error(line, column, "nothing after '->'", ResultsText);
        }

        foreach (var (token, index) in tokens.Select((t, i) => (t, i)))
        {
            var eq = token.Text.IndexOf('=', StringComparison.Ordinal);
            if (eq < 0)
            {
                if (index != 0)
                {
                    throw Error(line, token.Column, $"'{token.Text}' is not a counter", "counter=value");
                }

                result = token.Text == "ok" ? Errno.Ok
                    : Enum.TryParse<Errno>(token.Text, ignoreCase: false, out var errno) && errno != Errno.Ok && token.Text.StartsWith('E') ? errno
                    : throw Error(line, token.Column, $"unknown result '{token.Text}'", ResultsText);
                continue;
            }

            var key = token.Text[..eq];
            var value = token.Text[(eq + 1)..];
            int? node = null;
            var at = key.IndexOf('@', StringComparison.Ordinal);
            if (at >= 0)
            {
                var where = key[(at + 1)..];
                if (!where.StartsWith("node", StringComparison.Ordinal))
                {
                    throw Error(line, token.Column + at + 1, $"unknown counter target '{where}'", "node<n>");
                }

                node = (int)Number(line, where[4..], token.Column + at + 5, 0, (host?.NodeCount ?? HostConfig.MaxNodeCount) - 1);
                key = key[..at];
            }

            var domainCounter = DomainCounters.Contains(key);
            if (!HostCounters.Contains(key) && !domainCounter)
            {
                throw Error(line, token.Column, $"unknown counter '{key}'",
                    $"one of: {string.Join(", ", HostCounters)}{(keyword == "domaininfo" ? ", " + string.Join(", ", DomainCounters) : "")}");
            }

            if (domainCounter && keyword != "domaininfo")
            {
                throw Error(line, token.Column, $"the domain counter '{key}' on a {keyword} line", "domain counters only on domaininfo lines");
            }

            if (key == "state")
            {
                if (node is not null || value is not ("alive" or "dying" or "dead"))
                {
                    throw Error(line, token.Column + eq + 1, $"unknown state '{value}'", "alive, dying or dead");
                }
            }
            else if (node is not null && key is not ("free" or "outstanding" or "claim"))
            {
                throw Error(line, token.Column, $"'{key}' has no per-node form", "free@node<n>, outstanding@node<n> or claim@node<n>");
            }
            else
            {
                Number(line, value, token.Column + eq + 1, long.MinValue, long.MaxValue);
            }

            counters.Add(new ScriptCounter(key, node, value, token.Column));
        }

        return new ScriptExpectation(result, counters, column);
    }

    private static bool IsName(string text) =>
        text.Length > 0 && char.IsAsciiLetter(text[0]) && text.All(ch => char.IsAsciiLetterOrDigit(ch) || ch is '-' or '_')
        && !Keywords.Contains(text) && text != "xen" && !IsRawDomid(text);

    /// <summary><c>dom&lt;n&gt;</c>: a raw domid (dom0 is the control domain, a caller only).</summary>
    private static bool IsRawDomid(string text) => text.Length > 3 && text.StartsWith("dom", StringComparison.Ordinal) && text[3..].All(char.IsAsciiDigit);

    private static long Number(int line, string text, int column, long min, long max)
    {
        if (text.Length == 0 || !(text.TrimStart('-').Length > 0 && text.TrimStart('-').All(char.IsAsciiDigit)) || text.LastIndexOf('-') > 0)
        {
            throw Error(line, column, $"'{text}' is not a number", "a decimal integer");
        }

        if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            throw Error(line, column, $"the number '{text}' does not fit in a 64-bit integer", $"a number from {long.MinValue} to {long.MaxValue}");
        }

        if (value < min || value > max)
        {
            throw Error(line, column, $"{value} is out of range", $"a number from {min} to {max}");
        }

        return value;
    }

    private static ScriptSyntaxException Error(int line, int column, string message, string expected) =>
        new(new ScriptError(line, column, message, expected));

    private readonly record struct Token(string Text, int Column);

    private static List<Token> Tokens(string text, int offset)
    {
        var tokens = new List<Token>();
        var i = 0;
        while (i < text.Length)
        {
            if (char.IsWhiteSpace(text[i]))
            {
                i++;
                continue;
            }

            var start = i;
            while (i < text.Length && !char.IsWhiteSpace(text[i]))
            {
                i++;
            }

            tokens.Add(new Token(text[start..i], offset + start + 1));
        }

        return tokens;
    }

    private sealed class Cursor(int line, List<Token> tokens, int endColumn)
    {
        private int next;

        public int Line => line;

        public int EndColumn => endColumn;

        public bool More => next < tokens.Count;

        public Token Peek => tokens[next];

        public Token Next(string expected) =>
            More ? tokens[next++] : throw Error(line, endColumn, "missing argument", expected);

        public (string Key, string Value, int ValueColumn) KeyValue(string expected)
        {
            var token = Next(expected);
            var eq = token.Text.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw Error(line, token.Column, $"unexpected '{token.Text}'", expected);
            }

            return (token.Text[..eq], token.Text[(eq + 1)..], token.Column + eq + 1);
        }

        public void End()
        {
            if (More)
            {
                throw Error(line, Peek.Column, $"unexpected '{Peek.Text}'", "the end of the line (or '->')");
            }
        }
    }
}
