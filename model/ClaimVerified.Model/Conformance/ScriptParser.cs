using System.Globalization;
using ClaimVerified.Profiles;

namespace ClaimVerified.Model.Conformance;

/// <summary>
/// Parses the operation script format (traces/conformance/FORMAT.md): one statement a line, <c>#</c> comments,
/// a <c>host</c> line first, then an optional <c>profile</c> line, then operations, each optionally followed by
/// <c>-&gt; &lt;result&gt; [counter=value ...]</c>. The operations are parsed by <see cref="StepParser"/> and the
/// expectations by <see cref="ExpectationParser"/>; the first syntax error stops the parse with its line and column.
/// </summary>
public static class ScriptParser
{
    public static IReadOnlyList<string> Keywords { get; } =
    [
        "host", "profile", "create", "claim", "claimset", "populate", "extra", "decrease", "share", "offline", "tmem-put",
        "tmem-flush", "tmem-flush-all", "kill", "kill-step", "destroy", "unpause", "maxmem", "node-affinity", "xen-alloc", "xen-free", "physinfo", "domaininfo",
    ];

    public static IReadOnlyList<string> HostCounters { get; } = ["free", "outstanding", "offlined", "shared", "xenheap"];

    public static IReadOnlyList<string> DomainCounters { get; } = ["tot", "extra", "max", "claim", "state"];

    /// <summary>Parses <paramref name="text"/>; throws <see cref="ScriptSyntaxException"/> at the first error.</summary>
    public static Script Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var script = new Reading();
        var lines = text.Split('\n');
        for (var index = 0; index < lines.Length; index++)
        {
            ParseLine(script, index + 1, lines[index].TrimEnd('\r'));
        }

        return new Script(script.Host ?? throw Error(lines.Length, 1, "no host line", "'host nodes=<n> pages=<n> [llc]'"), script.Profile, script.Steps);
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

    /// <summary>What the lines read so far have said.</summary>
    private sealed class Reading
    {
        public HostConfig? Host { get; set; }

        public string? Profile { get; set; }

        public List<ScriptStep> Steps { get; } = [];

        public HashSet<string> Names { get; } = new(StringComparer.Ordinal);
    }

    private static void ParseLine(Reading script, int lineNo, string raw)
    {
        var hash = raw.IndexOf('#', StringComparison.Ordinal);
        var body = hash < 0 ? raw : raw[..hash];
        var arrow = body.IndexOf("->", StringComparison.Ordinal);
        var command = Token.Split(arrow < 0 ? body : body[..arrow], 0);
        if (command.Count == 0)
        {
            if (arrow >= 0)
            {
                throw Error(lineNo, arrow + 1, "an expectation without an operation", "a keyword before '->'");
            }

            return;
        }

        var cursor = new Cursor(lineNo, command, arrow < 0 ? body.Length + 1 : arrow + 1);
        var keyword = cursor.Next("a keyword");
        if (!Keywords.Contains(keyword.Text))
        {
            throw Error(lineNo, keyword.Column, $"unknown keyword '{keyword.Text}'", $"one of: {string.Join(", ", Keywords)}");
        }

        if (keyword.Text != "host" && script.Host is null)
        {
            throw Error(lineNo, keyword.Column, $"'{keyword.Text}' before the host line", "'host nodes=<n> pages=<n> [llc]' first");
        }

        var expect = arrow < 0 ? null : ExpectationParser.Parse(lineNo, body[(arrow + 2)..], arrow + 3, keyword.Text, script.Host);
        switch (keyword.Text)
        {
            case "host":
                ParseHostLine(script, cursor, keyword, expect, arrow);
                break;
            case "profile":
                ParseProfileLine(script, cursor, keyword, expect, arrow);
                break;
            default:
                script.Steps.Add(new StepParser(lineNo, raw.Trim(), keyword.Text, cursor, expect, script.Names).Parse());
                break;
        }
    }

    private static void ParseHostLine(Reading script, Cursor cursor, Token keyword, ScriptExpectation? expect, int arrow)
    {
        if (script.Host is not null)
        {
            throw Error(cursor.Line, keyword.Column, "a second host line", "one host line");
        }

        script.Host = ParseHost(cursor);
        NoExpectation(cursor.Line, expect, arrow);
    }

    private static void ParseProfileLine(Reading script, Cursor cursor, Token keyword, ScriptExpectation? expect, int arrow)
    {
        var name = cursor.Next("a profile name");
        if (!Catalogue.TryGet(name.Text, out var known))
        {
            throw Error(cursor.Line, name.Column, $"unknown profile '{name.Text}'", $"one of: {string.Join(", ", Catalogue.All.Select(p => p.Name))}");
        }

        if (script.Steps.Count > 0 || script.Profile is not null)
        {
            throw Error(cursor.Line, keyword.Column, "a profile line after operations or a second profile line", "the profile line right after the host line");
        }

        script.Profile = known.Name;
        cursor.End();
        NoExpectation(cursor.Line, expect, arrow);
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

    /// <summary>A domain name: letters, digits, '-' and '_', starting with a letter; not a keyword, "xen" or a raw domid.</summary>
    internal static bool IsName(string text) =>
        text.Length > 0 && char.IsAsciiLetter(text[0]) && text.All(ch => char.IsAsciiLetterOrDigit(ch) || ch is '-' or '_')
        && !Keywords.Contains(text) && text != "xen" && !IsRawDomid(text);

    /// <summary><c>dom&lt;n&gt;</c>: a raw domid (dom0 is the control domain, a caller only).</summary>
    internal static bool IsRawDomid(string text) => text.Length > 3 && text.StartsWith("dom", StringComparison.Ordinal) && text[3..].All(char.IsAsciiDigit);

    /// <summary>A decimal integer in [<paramref name="min"/>, <paramref name="max"/>]: anything else is a syntax error.</summary>
    internal static long Number(int line, string text, int column, long min, long max)
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

    internal static ScriptSyntaxException Error(int line, int column, string message, string expected) =>
        new(new ScriptError(line, column, message, expected));
}
