using ClaimVerified.Locks;
using Mono.Cecil;
using Mono.Cecil.Cil;
using Mono.Cecil.Rocks;

namespace ClaimVerified.Weaver;

/// <summary>Weaving could not be done; the build stops with this message.</summary>
public sealed class WeaveException(string message) : Exception(message);

/// <summary>
/// Weaves the guard table (<see cref="GuardTable"/>) into a model build's copy of the core, before Coyote rewrites it:
/// every <c>lock</c> statement goes through <see cref="LockSet.Enter"/>/<see cref="LockSet.Exit"/>, every store of a
/// lock object names it (<see cref="LockSet.Declare"/>), every read or write of a guarded field is checked first
/// (<see cref="LockSet.Access"/>), and the declared unlocked and ghost readers run inside a reader scope. The
/// assembly is marked <see cref="LocksetWovenAttribute"/>, so weaving twice does nothing and a production build that
/// carries the checks is refused.
/// </summary>
public static class LocksetWeaver
{
    public const string CoreFile = "ClaimVerified.dll";
    public const string LocksFile = "ClaimVerified.Locks.dll";

    public static string WeaveFolder(string folder)
    {
        var corePath = Path.Combine(folder, CoreFile);
        var locksPath = Path.Combine(folder, LocksFile);
        if (!File.Exists(corePath) || !File.Exists(locksPath))
        {
            throw new WeaveException($"{folder} must hold {CoreFile} and {LocksFile}");
        }

        var resolver = new DefaultAssemblyResolver();
        resolver.AddSearchDirectory(folder);
        // The symbols are read and written with the code, so that Coyote's rewriter (which checks that they match)
        // and the debugger see the woven assembly as it is.
        var pdbPath = Path.ChangeExtension(corePath, ".pdb");
        var read = new ReaderParameters { AssemblyResolver = resolver, InMemory = true };
        using var core = AssemblyDefinition.ReadAssembly(corePath, new ReaderParameters
        {
            AssemblyResolver = resolver,
            InMemory = true,
            ReadSymbols = File.Exists(pdbPath),
            SymbolReaderProvider = File.Exists(pdbPath) ? new PortablePdbReaderProvider() : null,
            SymbolStream = File.Exists(pdbPath) ? new MemoryStream(File.ReadAllBytes(pdbPath)) : null,
        });
        if (HasAttribute(core, typeof(LocksetWovenAttribute).FullName!))
        {
            return $"lockset checks already woven into {corePath}";
        }

        if (core.CustomAttributes.Any(a => a.AttributeType.FullName.StartsWith("Microsoft.Coyote.Rewriting", StringComparison.Ordinal)))
        {
            throw new WeaveException($"{corePath} was rewritten by Coyote before the lockset checks were woven: rebuild it");
        }

        using var locks = AssemblyDefinition.ReadAssembly(locksPath, read);
        var weaving = new MethodWeaving(core.MainModule, locks.MainModule.GetType(typeof(LockSet).FullName));
        foreach (var method in core.MainModule.GetTypes().SelectMany(t => t.Methods).Where(m => m.HasBody).ToArray())
        {
            weaving.Weave(method);
        }

        var marker = locks.MainModule.GetType(typeof(LocksetWovenAttribute).FullName).Methods.Single(m => m.IsConstructor);
        core.CustomAttributes.Add(new CustomAttribute(core.MainModule.ImportReference(marker)));
        core.Write(corePath, new WriterParameters
        {
            WriteSymbols = File.Exists(pdbPath),
            SymbolWriterProvider = File.Exists(pdbPath) ? new PortablePdbWriterProvider() : null,
        });
        return $"lockset checks woven into {corePath}: {weaving.Summary}";
    }

    private static bool HasAttribute(AssemblyDefinition assembly, string fullName) =>
        assembly.CustomAttributes.Any(a => a.AttributeType.FullName == fullName);
}
