using System.Reflection;
using System.Security.Cryptography;
using System.Text;

namespace ClaimVerified.Model.Traces;

/// <summary>
/// The fingerprint of the code an execution ran on: the source hashes the build embeds in the core, the specification and the model
/// (Directory.Build.targets, ClaimVerifiedSourceFingerprint; the model's covers the lockset checks and their weaver too, which
/// it runs without compiling). Two builds of the same sources agree, wherever they are.
/// </summary>
public static class Fingerprint
{
    public static string Current { get; } = Compute();

    private static string Compute()
    {
        var parts = new[] { typeof(Host).Assembly, typeof(Specification.Spec).Assembly, typeof(Fingerprint).Assembly }.Select(Of).ToArray();
        var combined = SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("|", parts)));
        return Convert.ToHexStringLower(combined)[..16];
    }

    private static string Of(Assembly assembly) =>
        assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "ClaimVerified.SourceFingerprint")?.Value
        ?? throw new InvalidOperationException($"{assembly.GetName().Name} carries no source fingerprint: build it with dotnet build");
}
