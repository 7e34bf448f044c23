using ClaimVerified.Tests.Traces;
using Mono.Cecil;

namespace ClaimVerified.Tests.Model;

/// <summary>
/// The folder rules the README states, checked on the compiled IL (signatures and method bodies, closures included),
/// so that a reader can trust a folder's name to say what it may use: the specification is a Coyote-free project, and
/// the model's folders form no cycle.
/// </summary>
public sealed class ArchitectureTests
{
    /// <summary>
    /// What each folder of the model (and the specification project) may use, besides the core and itself. The
    /// README's "Architecture" section is this table in words; a test below checks they agree.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string[]> Allowed = new Dictionary<string, string[]>
    {
        ["Specification"] = [],
        ["Specification.Properties"] = ["Specification"],
        ["Monitors"] = ["Specification", "Specification.Properties"],
        ["Exhaustive"] = ["Specification", "Specification.Properties"],
        ["Conformance"] = ["Specification", "Specification.Properties", "Exhaustive"],
        ["Workloads"] = ["Specification", "Monitors", "Conformance"],
        ["Generation"] = ["Specification", "Workloads", "Conformance"],
        ["Scenarios"] = ["Specification", "Monitors", "Workloads", "Generation"],
        ["Exploration"] = ["Specification.Properties", "Monitors", "Workloads", "Scenarios"],
        ["Attribution"] = ["Workloads", "Generation", "Scenarios", "Exploration"],
        ["Linearizability"] = ["Specification", "Monitors", "Workloads", "Scenarios", "Exploration", "Exhaustive"],
        ["Manifest"] = ["Specification", "Specification.Properties", "Exhaustive", "Exploration", "Linearizability", "Scenarios"],
        ["Traces"] = ["Specification", "Specification.Properties", "Workloads", "Generation", "Scenarios", "Exploration", "Attribution", "Manifest"],
        ["Shrinking"] = ["Generation", "Scenarios", "Exploration", "Attribution", "Traces"],
        ["Matrix"] = ["Specification.Properties", "Generation", "Scenarios", "Exploration", "Attribution", "Shrinking", "Exhaustive", "Linearizability",
            "Manifest", "Traces"],
        ["Protocol"] = ["Specification", "Conformance", "Workloads", "Linearizability", "Manifest"],
        ["Benchmarks"] = ["Specification", "Specification.Properties", "Monitors", "Workloads", "Scenarios", "Exploration", "Attribution",
            "Exhaustive", "Linearizability", "Manifest", "Traces", "Matrix"],
    };

    [Fact]
    public void The_specification_references_no_package_and_only_the_core()
    {
        using var spec = Read("ClaimVerified.Specification.dll");
        var references = spec.MainModule.AssemblyReferences.Select(r => r.Name).ToArray();
        Assert.DoesNotContain(references, name => name.StartsWith("Microsoft.Coyote", StringComparison.Ordinal));
        Assert.DoesNotContain(references, name => name.StartsWith("ClaimVerified.", StringComparison.Ordinal));
        Assert.Contains("ClaimVerified", references);
        var project = File.ReadAllText(Path.Combine(Repository.Root, "model/ClaimVerified.Specification/ClaimVerified.Specification.csproj"));
        Assert.DoesNotContain("PackageReference", project, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_folder_uses_only_what_its_rule_allows()
    {
        var broken = FolderDependencies()
            .SelectMany(pair => pair.Value.Where(used => !Allowed.GetValueOrDefault(pair.Key, []).Contains(used))
                .Select(used => $"{pair.Key} uses {used}"))
            .Order(StringComparer.Ordinal).ToArray();
        Assert.True(broken.Length == 0, "folder rules broken:\n" + string.Join("\n", broken));
    }

    [Fact]
    public void Every_folder_has_a_rule_and_the_rules_have_no_cycle()
    {
        Assert.DoesNotContain(FolderDependencies().Keys, folder => !Allowed.ContainsKey(folder));
        Assert.Null(FindCycle(Allowed));
    }

    [Fact]
    public void The_cycle_check_sees_a_cycle()
    {
        // Negative space: the check must be able to fail.
        var cyclic = new Dictionary<string, string[]> { ["A"] = ["B"], ["B"] = ["C"], ["C"] = ["A"] };
        Assert.Equal("A -> B -> C -> A", FindCycle(cyclic));
    }

    [Fact]
    public void The_dependency_reader_sees_uses_inside_method_bodies()
    {
        // Negative space for the IL reader: the monitors call the property catalogue only inside method bodies (and
        // the explorer only through closures), and both must be seen, or a rule could pass for want of looking.
        var uses = FolderDependencies();
        Assert.Contains("Specification.Properties", uses["Monitors"]);
        Assert.Contains("Scenarios", uses["Exploration"]);
    }

    [Fact]
    public void The_readme_states_each_rule()
    {
        var readme = File.ReadAllText(Path.Combine(Repository.Root, "README.md"));
        foreach (var (folder, uses) in Allowed)
        {
            var line = $"| `{folder}` | {(uses.Length == 0 ? "the core only" : string.Join(", ", uses.Select(u => $"`{u}`")))} |";
            Assert.Contains(line, readme, StringComparison.Ordinal);
        }
    }

    /// <summary>Folder -> the other folders its types use (model and specification), from the IL.</summary>
    internal static IReadOnlyDictionary<string, SortedSet<string>> FolderDependencies()
    {
        var result = new Dictionary<string, SortedSet<string>>();
        foreach (var file in new[] { "ClaimVerified.Model.dll", "ClaimVerified.Specification.dll" })
        {
            using var assembly = Read(file);
            foreach (var type in assembly.MainModule.Types.Where(t => t.Namespace.StartsWith("ClaimVerified", StringComparison.Ordinal)))
            {
                var folder = Folder(type.Namespace);
                var uses = result.TryGetValue(folder, out var set) ? set : result[folder] = new SortedSet<string>(StringComparer.Ordinal);
                foreach (var used in TypesUsedBy(type).Select(t => t.Namespace).Where(IsOurs).Select(Folder).Distinct())
                {
                    if (used != folder)
                    {
                        uses.Add(used);
                    }
                }
            }
        }

        return result;
    }

    private static bool IsOurs(string ns) =>
        ns.StartsWith("ClaimVerified.Model.", StringComparison.Ordinal) || ns.StartsWith("ClaimVerified.Specification", StringComparison.Ordinal);

    private static string Folder(string ns) =>
        ns.StartsWith("ClaimVerified.Model.", StringComparison.Ordinal) ? ns["ClaimVerified.Model.".Length..] : ns["ClaimVerified.".Length..];

    private static AssemblyDefinition Read(string file)
    {
        var resolver = new DefaultAssemblyResolver();
        resolver.AddSearchDirectory(AppContext.BaseDirectory);
        return AssemblyDefinition.ReadAssembly(Path.Combine(AppContext.BaseDirectory, file), new ReaderParameters { AssemblyResolver = resolver });
    }

    /// <summary>Every type a type's signatures and bodies name, its nested (compiler-generated) types included.</summary>
    private static IEnumerable<TypeReference> TypesUsedBy(TypeDefinition type)
    {
        foreach (var nested in type.NestedTypes.SelectMany(TypesUsedBy))
        {
            yield return nested;
        }

        if (type.BaseType is not null)
        {
            yield return type.BaseType;
        }

        foreach (var t in type.Interfaces.Select(i => i.InterfaceType)
                     .Concat(type.Fields.Select(f => f.FieldType))
                     .Concat(type.Properties.Select(p => p.PropertyType))
                     .Concat(type.CustomAttributes.Select(a => a.AttributeType)))
        {
            yield return t;
        }

        foreach (var method in type.Methods)
        {
            foreach (var t in TypesUsedBy(method))
            {
                yield return t;
            }
        }
    }

    private static IEnumerable<TypeReference> TypesUsedBy(MethodDefinition method)
    {
        yield return method.ReturnType;
        foreach (var parameter in method.Parameters)
        {
            yield return parameter.ParameterType;
        }

        if (!method.HasBody)
        {
            yield break;
        }

        foreach (var variable in method.Body.Variables)
        {
            yield return variable.VariableType;
        }

        foreach (var instruction in method.Body.Instructions)
        {
            switch (instruction.Operand)
            {
                case TypeReference t:
                    yield return t;
                    break;
                case MethodReference m:
                    yield return m.DeclaringType;
                    yield return m.ReturnType;
                    foreach (var p in m.Parameters)
                    {
                        yield return p.ParameterType;
                    }

                    break;
                case FieldReference f:
                    yield return f.DeclaringType;
                    yield return f.FieldType;
                    break;
            }
        }
    }

    /// <summary>A cycle in a dependency table as "A -> B -> A", or null.</summary>
    internal static string? FindCycle(IReadOnlyDictionary<string, string[]> graph)
    {
        var state = new Dictionary<string, int>(); // 1: on the current path, 2: finished
        var path = new List<string>();
        foreach (var start in graph.Keys.Order(StringComparer.Ordinal))
        {
            if (Visit(start) is { } cycle)
            {
                return cycle;
            }
        }

        return null;

        string? Visit(string node)
        {
            if (state.GetValueOrDefault(node) == 2)
            {
                return null;
            }

            if (state.GetValueOrDefault(node) == 1)
            {
                return string.Join(" -> ", path.SkipWhile(n => n != node).Append(node));
            }

            state[node] = 1;
            path.Add(node);
            foreach (var next in graph.GetValueOrDefault(node, []))
            {
                if (Visit(next) is { } cycle)
                {
                    return cycle;
                }
            }

            path.RemoveAt(path.Count - 1);
            state[node] = 2;
            return null;
        }
    }
}
