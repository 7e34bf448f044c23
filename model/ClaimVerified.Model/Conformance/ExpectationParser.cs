namespace ClaimVerified.Model.Conformance;

/// <summary>
/// Parses what a line expects after <c>-&gt;</c>: a result first (<c>ok</c> or an errno name), then counters
/// (<c>free=10</c>, <c>outstanding@node1=2</c>; domain counters such as <c>tot=</c> or <c>state=</c> only on
/// domaininfo lines).
/// </summary>
internal static class ExpectationParser
{
    private const string ResultsText = "ok or an error code (EPERM, ESRCH, E2BIG, ENOMEM, EBUSY, EINVAL, EOPNOTSUPP)";

    public static ScriptExpectation Parse(int line, string text, int column, string keyword, HostConfig? host)
    {
        var tokens = Token.Split(text, column - 1);
        Errno? result = null;
        var counters = new List<ScriptCounter>();
        if (tokens.Count == 0)
        {
            throw ScriptParser.Error(line, column, "nothing after '->'", ResultsText);
        }

        foreach (var (token, index) in tokens.Select((t, i) => (t, i)))
        {
            if (token.Text.Contains('=', StringComparison.Ordinal))
            {
                counters.Add(Counter(line, token, keyword, host));
            }
            else if (index != 0)
            {
                throw ScriptParser.Error(line, token.Column, $"'{token.Text}' is not a counter", "counter=value");
            }
            else
            {
                result = Result(line, token);
            }
        }

        return new ScriptExpectation(result, counters, column);
    }

    private static Errno Result(int line, Token token) =>
        token.Text == "ok" ? Errno.Ok
        : Enum.TryParse<Errno>(token.Text, ignoreCase: false, out var errno) && errno != Errno.Ok && token.Text.StartsWith('E') ? errno
        : throw ScriptParser.Error(line, token.Column, $"unknown result '{token.Text}'", ResultsText);

    private static ScriptCounter Counter(int line, Token token, string keyword, HostConfig? host)
    {
        var eq = token.Text.IndexOf('=', StringComparison.Ordinal);
        var key = token.Text[..eq];
        var value = token.Text[(eq + 1)..];
        int? node = null;
        var at = key.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            var where = key[(at + 1)..];
            if (!where.StartsWith("node", StringComparison.Ordinal))
            {
                throw ScriptParser.Error(line, token.Column + at + 1, $"unknown counter target '{where}'", "node<n>");
            }

            node = (int)ScriptParser.Number(line, where[4..], token.Column + at + 5, 0, (host?.NodeCount ?? HostConfig.MaxNodeCount) - 1);
            key = key[..at];
        }

        CheckKey(line, token, key, keyword);
        CheckValue(line, token, key, node, value, token.Column + eq + 1);
        return new ScriptCounter(key, node, value, token.Column);
    }

    private static void CheckKey(int line, Token token, string key, string keyword)
    {
        var domainCounter = ScriptParser.DomainCounters.Contains(key);
        if (!ScriptParser.HostCounters.Contains(key) && !domainCounter)
        {
            throw ScriptParser.Error(line, token.Column, $"unknown counter '{key}'",
                $"one of: {string.Join(", ", ScriptParser.HostCounters)}{(keyword == "domaininfo" ? ", " + string.Join(", ", ScriptParser.DomainCounters) : "")}");
        }

        if (domainCounter && keyword != "domaininfo")
        {
            throw ScriptParser.Error(line, token.Column, $"the domain counter '{key}' on a {keyword} line", "domain counters only on domaininfo lines");
        }
    }

    private static void CheckValue(int line, Token token, string key, int? node, string value, int valueColumn)
    {
        if (key == "state")
        {
            if (node is not null || value is not ("alive" or "dying" or "dead"))
            {
                throw ScriptParser.Error(line, valueColumn, $"unknown state '{value}'", "alive, dying or dead");
            }
        }
        else if (node is not null && key is not ("free" or "outstanding" or "claim"))
        {
            throw ScriptParser.Error(line, token.Column, $"'{key}' has no per-node form", "free@node<n>, outstanding@node<n> or claim@node<n>");
        }
        else
        {
            ScriptParser.Number(line, value, valueColumn, long.MinValue, long.MaxValue);
        }
    }
}
