namespace ClaimVerified.Cli.Commands;

/// <summary>Writing what a command produces: a folder or file that cannot be written is a usage error in words.</summary>
public static class Files
{
    public static void Write(string path, string text)
    {
        try
        {
            var folder = Path.GetDirectoryName(Path.GetFullPath(path));
            if (!string.IsNullOrEmpty(folder))
            {
                Directory.CreateDirectory(folder);
            }

            File.WriteAllText(path, text);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            throw new UsageException($"cannot write {path}: {e.Message}", "give a folder you can write to");
        }
    }

    /// <summary>Creates <paramref name="folder"/> (and its parents), or says why it cannot.</summary>
    public static void EnsureFolder(string folder)
    {
        try
        {
            Directory.CreateDirectory(folder);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            throw new UsageException($"cannot create {folder}: {e.Message}", "give a folder you can write to");
        }
    }
}
