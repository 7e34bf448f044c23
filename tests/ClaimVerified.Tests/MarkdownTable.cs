namespace ClaimVerified.Tests;

/// <summary>How the tests read the Markdown tables the repository keeps (README's matrix and properties, the time-to-finding tables).</summary>
internal static class MarkdownTable
{
    /// <summary>The cells of one row, "| a | b |" -> ["a", "b"], each trimmed.</summary>
    public static string[] Cells(string line) => [.. line.Trim('|').Split('|').Select(c => c.Trim())];
}
