namespace ClaimVerified.Tests;

/// <summary>
/// A folder of its own under the temporary directory for one test, deleted with everything in it when the test ends
/// (<c>using var scratch = new ScratchFolder("ledger");</c>): a test's files never outlive it, and two tests never share one.
/// </summary>
public sealed class ScratchFolder : IDisposable
{
    public ScratchFolder(string name) =>
        FullName = Directory.CreateTempSubdirectory($"claimverify-{name}-").FullName;

    /// <summary>The folder's absolute path; it exists until <see cref="Dispose"/>.</summary>
    public string FullName { get; }

    public void Dispose()
    {
        if (Directory.Exists(FullName))
        {
            Directory.Delete(FullName, recursive: true);
        }
    }
}
