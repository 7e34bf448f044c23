namespace ClaimVerified.Tests.Traces;

/// <summary>Where the repository and its committed evidence are, seen from the test's output folder.</summary>
public static class Repository
{
    public static string Root { get; } = FindRoot();

    public static string TracesRoot => Path.Combine(Root, "traces");

    /// <summary>Every counterexample folder (one with a meta.json) under traces/, in a stable order.</summary>
    public static IReadOnlyList<string> TraceFolders() =>
        Directory.Exists(TracesRoot)
            ? Directory.GetFiles(TracesRoot, "meta.json", SearchOption.AllDirectories).Select(Path.GetDirectoryName).OfType<string>()
                .Order(StringComparer.Ordinal).ToArray()
            : [];

    /// <summary>git ARGS in the repository root; git is always there in this repository's CI, so its absence fails.</summary>
    public static ChildResult Git(params string[] args) => ChildProcess.Run("git", args, TimeSpan.FromMinutes(1), Root);

    private static string FindRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "ClaimVerified.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("ClaimVerified.sln not found above " + AppContext.BaseDirectory);
    }
}
