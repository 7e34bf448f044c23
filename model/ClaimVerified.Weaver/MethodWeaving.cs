using ClaimVerified.Locks;
using Mono.Cecil;
using Mono.Cecil.Cil;
using Mono.Cecil.Rocks;

namespace ClaimVerified.Weaver;

/// <summary>The weaving of one method at a time, with the LockSet calls imported into the core once.</summary>
internal sealed class MethodWeaving
{
    private readonly ModuleDefinition module;
    private readonly MethodReference enter, enterAlone, exit, declare, access, unlockedRead;
    private readonly MethodReference beginUnlocked, endUnlocked, beginGhost, endGhost, beginFrame, endFrame;
    private readonly Dictionary<string, Guard> guards = GuardTable.Guards.ToDictionary(g => g.Field);
    private readonly HashSet<string> lockFields = GuardTable.Locks.Select(l => l.Field).ToHashSet();
    private readonly HashSet<string> ghostFields = [.. GuardTable.GhostFields];
    private readonly HashSet<string> unlockedReaders = GuardTable.UnlockedReaders.Where(r => r.Field is null).Select(r => r.Method).ToHashSet();
    private readonly HashSet<(string Method, string Field)> unlockedFieldReads =
        GuardTable.UnlockedReaders.Where(r => r.Field is not null).Select(r => (r.Method, r.Field!)).ToHashSet();
    private readonly HashSet<string> ghostReaders = [.. GuardTable.GhostReaders];
    private int accesses, lockStatements, readers, frames;

    public MethodWeaving(ModuleDefinition module, TypeDefinition lockSet)
    {
        this.module = module;
        MethodReference Import(string name) => module.ImportReference(lockSet.Methods.Single(m => m.Name == name));
        (enter, exit, declare, access) = (Import(nameof(LockSet.EnterSection)), Import(nameof(LockSet.Exit)),
            Import(nameof(LockSet.Declare)), Import(nameof(LockSet.Access)));
        unlockedRead = Import(nameof(LockSet.UnlockedRead));
        enterAlone = Import(nameof(LockSet.EnterSectionAlone));
        (beginFrame, endFrame) = (Import(nameof(LockSet.BeginFrame)), Import(nameof(LockSet.EndFrame)));
        (beginUnlocked, endUnlocked) = (Import(nameof(LockSet.BeginUnlockedReader)), Import(nameof(LockSet.EndUnlockedReader)));
        (beginGhost, endGhost) = (Import(nameof(LockSet.BeginGhostReader)), Import(nameof(LockSet.EndGhostReader)));
        var unknown = guards.Keys.Concat(lockFields).Concat(ghostFields).Where(name => FindField(name) is null).ToArray();
        if (unknown.Length > 0)
        {
            throw new WeaveException($"the guard table names fields the core does not have: {string.Join(", ", unknown)}");
        }
    }

    public string Summary =>
        $"{accesses} field accesses checked, {lockStatements} lock statements tracked in {frames} methods, {readers} reader scopes";

    public void Weave(MethodDefinition method)
    {
        var body = method.Body;
        body.SimplifyMacros();
        var name = $"{method.DeclaringType.Name}.{method.Name}";
        var sites = 0;
        foreach (var instruction in body.Instructions.ToArray())
        {
            WeaveInstruction(method, name, instruction, ref sites);
        }

        if (unlockedReaders.Contains(name) || ghostReaders.Contains(name))
        {
            var ghost = ghostReaders.Contains(name);
            WrapInScope(method, [Instruction.Create(OpCodes.Call, ghost ? beginGhost : beginUnlocked)], ghost ? endGhost : endUnlocked);
            readers++;
        }

        if (sites > 0)
        {
            // A frame for each call, so that the stale-value check tells this call's sections of a lock apart.
            WrapInScope(method, [Instruction.Create(OpCodes.Ldstr, name), Instruction.Create(OpCodes.Call, beginFrame)], endFrame);
            frames++;
        }

        body.OptimizeMacros();
    }

    private void WeaveInstruction(MethodDefinition method, string name, Instruction instruction, ref int sites)
    {
        if (instruction.Operand is MethodReference { DeclaringType.FullName: "System.Threading.Monitor" } called)
        {
            instruction.Operand = called.Name switch
            {
                "Enter" when called.Parameters.Count == 2 => enter,
                "Enter" when called.Parameters.Count == 1 => enterAlone,
                "Exit" => exit,
                _ => throw new WeaveException($"{name} calls Monitor.{called.Name}: only lock statements are tracked"),
            };
            if (called.Name == "Enter")
            {
                // The lock statement's ordinal in its method, the last argument: its site.
                InsertBefore(method.Body, instruction, [Instruction.Create(OpCodes.Ldc_I4, ++sites)]);
                lockStatements++;
            }

            return;
        }

        if (instruction.Operand is not FieldReference field || field.DeclaringType.Scope != module)
        {
            return;
        }

        var fieldName = $"{field.DeclaringType.Name}.{field.Name}";
        var inOwnConstructor = method.IsConstructor && method.DeclaringType.FullName == field.DeclaringType.FullName;
        if (lockFields.Contains(fieldName) && instruction.OpCode == OpCodes.Stfld)
        {
            WeaveStore(method, instruction, field, [Instruction.Create(OpCodes.Ldstr, fieldName), Instruction.Create(OpCodes.Call, declare)], passValue: true);
        }
        else if (guards.TryGetValue(fieldName, out var guard) && !inOwnConstructor)
        {
            WeaveAccess(method, name, instruction, field, guard);
        }
    }

    private void WeaveAccess(MethodDefinition method, string name, Instruction instruction, FieldReference field, Guard guard)
    {
        var write = instruction.OpCode != OpCodes.Ldfld;
        if (!write && unlockedFieldReads.Contains((name, guard.Field)))
        {
            InsertBefore(method.Body, instruction, [Instruction.Create(OpCodes.Call, unlockedRead)]);
            accesses++;
            return;
        }

        if (guard.Kind == GuardKind.Atomic && instruction.OpCode == OpCodes.Stfld)
        {
            throw new WeaveException($"{name} stores {guard.Field} plainly, but the guard table says it is atomic: {guard.Source}");
        }

        var check = new[]
        {
            Instruction.Create(OpCodes.Ldstr, guard.Field), Instruction.Create(OpCodes.Ldstr, name),
            Instruction.Create(write ? OpCodes.Ldc_I4_1 : OpCodes.Ldc_I4_0), Instruction.Create(OpCodes.Call, access),
        };
        if (instruction.OpCode == OpCodes.Stfld)
        {
            WeaveStore(method, instruction, field, check, passValue: false);
        }
        else
        {
            InsertBefore(method.Body, instruction, [Instruction.Create(OpCodes.Dup), .. check]);
        }

        accesses++;
    }

    /// <summary>
    /// Before a stfld (the stack holds the owner, then the value): keeps the value in a local, calls the check with the
    /// owner (and the value, for a lock's declaration) and puts the value back.
    /// </summary>
    private void WeaveStore(MethodDefinition method, Instruction store, FieldReference field, Instruction[] call, bool passValue)
    {
        var value = new VariableDefinition(module.ImportReference(field.FieldType));
        method.Body.Variables.Add(value);
        var load = Instruction.Create(OpCodes.Ldloc, value);
        Instruction[] sequence = passValue
            ? [Instruction.Create(OpCodes.Stloc, value), Instruction.Create(OpCodes.Dup), Instruction.Create(OpCodes.Ldloc, value), .. call, load]
            : [Instruction.Create(OpCodes.Stloc, value), Instruction.Create(OpCodes.Dup), .. call, load];
        InsertBefore(method.Body, store, sequence);
    }

    /// <summary>
    /// Inserts <paramref name="sequence"/> before <paramref name="target"/> (and its prefixes) so that branches and handlers that pointed at
    /// the target now run the sequence first: the target instruction takes the first new opcode, and its own moves after.
    /// </summary>
    private static void InsertBefore(MethodBody body, Instruction target, Instruction[] sequence)
    {
        // A prefix (volatile., unaligned.) belongs to its instruction: insert before the prefix.
        while (target.Previous is { OpCode.OpCodeType: OpCodeType.Prefix } prefix)
        {
            target = prefix;
        }

        var moved = Instruction.Create(OpCodes.Nop);
        (moved.OpCode, moved.Operand) = (target.OpCode, target.Operand);
        (target.OpCode, target.Operand) = (sequence[0].OpCode, sequence[0].Operand);
        var il = body.GetILProcessor();
        var after = target;
        foreach (var next in sequence.Skip(1).Append(moved))
        {
            il.InsertAfter(after, next);
            after = next;
        }
    }

    /// <summary>Runs the method's body after <paramref name="begin"/> and before <paramref name="end"/>, end in a finally.</summary>
    private void WrapInScope(MethodDefinition method, Instruction[] begin, MethodReference end)
    {
        var body = method.Body;
        var il = body.GetILProcessor();
        var returns = method.ReturnType.MetadataType != MetadataType.Void;
        var result = returns ? new VariableDefinition(method.ReturnType) : null;
        if (result is not null)
        {
            body.Variables.Add(result);
        }

        var firstOriginal = body.Instructions[0];
        var finallyStart = Instruction.Create(OpCodes.Call, end);
        var tail = result is null ? Instruction.Create(OpCodes.Ret) : Instruction.Create(OpCodes.Ldloc, result);
        foreach (var ret in body.Instructions.Where(i => i.OpCode == OpCodes.Ret).ToArray())
        {
            if (result is null)
            {
                (ret.OpCode, ret.Operand) = (OpCodes.Leave, tail);
            }
            else
            {
                (ret.OpCode, ret.Operand) = (OpCodes.Stloc, result);
                il.InsertAfter(ret, Instruction.Create(OpCodes.Leave, tail));
            }
        }

        il.Append(finallyStart);
        il.Append(Instruction.Create(OpCodes.Endfinally));
        il.Append(tail);
        if (result is not null)
        {
            il.Append(Instruction.Create(OpCodes.Ret));
        }

        foreach (var instruction in begin)
        {
            il.InsertBefore(firstOriginal, instruction);
        }

        body.ExceptionHandlers.Add(new ExceptionHandler(ExceptionHandlerType.Finally)
        {
            TryStart = firstOriginal, TryEnd = finallyStart, HandlerStart = finallyStart, HandlerEnd = tail,
        });
    }

    private FieldDefinition? FindField(string name)
    {
        var dot = name.IndexOf('.', StringComparison.Ordinal);
        return module.GetTypes().FirstOrDefault(t => t.Name == name[..dot])?.Fields.FirstOrDefault(f => f.Name == name[(dot + 1)..]);
    }
}
