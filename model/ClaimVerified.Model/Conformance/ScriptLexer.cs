namespace ClaimVerified.Model.Conformance;

/// <summary>A word of a script line and its 1-based column.</summary>
internal readonly record struct Token(string Text, int Column)
{
    /// <summary>The words of <paramref name="text"/>, split at white space; columns count from <paramref name="offset"/>.</summary>
    public static List<Token> Split(string text, int offset)
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
}

/// <summary>Reads the words of one line in order; every way of running out or meeting the wrong word is a syntax error.</summary>
internal sealed class Cursor(int line, List<Token> tokens, int endColumn)
{
    private int next;

    public int Line => line;

    public int EndColumn => endColumn;

    public bool More => next < tokens.Count;

    public Token Peek => tokens[next];

    public Token Next(string expected) =>
        More ? tokens[next++] : throw ScriptParser.Error(line, endColumn, "missing argument", expected);

    public (string Key, string Value, int ValueColumn) KeyValue(string expected)
    {
        var token = Next(expected);
        var eq = token.Text.IndexOf('=', StringComparison.Ordinal);
        if (eq <= 0)
        {
            throw ScriptParser.Error(line, token.Column, $"unexpected '{token.Text}'", expected);
        }

        return (token.Text[..eq], token.Text[(eq + 1)..], token.Column + eq + 1);
    }

    public void End()
    {
        if (More)
        {
            throw ScriptParser.Error(line, Peek.Column, $"unexpected '{Peek.Text}'", "the end of the line (or '->')");
        }
    }
}
