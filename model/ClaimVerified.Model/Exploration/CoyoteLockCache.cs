using System.Collections;
using System.Reflection;

namespace ClaimVerified.Model.Exploration;

/// <summary>
/// Works around a leak in Coyote 1.7.11's controlled <c>lock</c>: the rewritten Monitor keeps a static cache from each
/// locked object to its SynchronizedBlock, and removes the entry only when the last user exits. An iteration that ends
/// with a lock held or waited for (a violation inside a critical section, the step limit, a deadlock) never exits it, so
/// the entry stays for the life of the process, and with it, through the block's owner and waiters
/// (ControlledOperation), that iteration's CoyoteRuntime, the engine's OperationScheduler, its strategies and execution
/// graph, and the model's lock objects. A long in-process exploration (a whole-budget run, every attribution try) leaks
/// this way without end; a short one never shows it.
/// </summary>
public static class CoyoteLockCache
{
    private const BindingFlags Internal = BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance;

    private static readonly Type? BlockType =
        typeof(Microsoft.Coyote.Rewriting.Types.Threading.Monitor).GetNestedType("SynchronizedBlock", BindingFlags.NonPublic);

    /// <summary>ConcurrentDictionary&lt;object, Lazy&lt;SynchronizedBlock&gt;&gt;, as the non-generic dictionary it also is.</summary>
    private static readonly IDictionary? Blocks = BlockType?.GetField("Cache", Internal)?.GetValue(null) as IDictionary;

    private static readonly FieldInfo? BlockRuntimeId = BlockType?.GetField("RuntimeId", Internal);

    private static readonly Type? LazyBlock = BlockType is null ? null : typeof(Lazy<>).MakeGenericType(BlockType);

    private static readonly PropertyInfo? IsValueCreated = LazyBlock?.GetProperty(nameof(Lazy<object>.IsValueCreated));

    private static readonly PropertyInfo? Value = LazyBlock?.GetProperty(nameof(Lazy<object>.Value));

    /// <summary>The runtimes not yet disposed (ConcurrentDictionary&lt;Guid, CoyoteRuntime&gt;): a block of any other is stale.</summary>
    private static readonly IDictionary? LiveRuntimes = typeof(Microsoft.Coyote.Runtime.ICoyoteRuntime).Assembly
        .GetType("Microsoft.Coyote.Runtime.RuntimeProvider")?.GetField("RuntimeMap", Internal)?.GetValue(null) as IDictionary;

    /// <summary>Whether this Coyote has the members the workaround needs (a test pins it, so an upgrade cannot drop it silently).</summary>
    public static bool Available =>
        Blocks is not null && BlockRuntimeId is not null && IsValueCreated is not null && Value is not null && LiveRuntimes is not null;

    /// <summary>Whether Coyote's cache still holds the block of <paramref name="locked"/> (false where the workaround is not available).</summary>
    public static bool Caches(object locked) => Blocks?.Contains(locked) == true;

    /// <summary>
    /// Drops the cache entries of runtimes already disposed (their iterations are over: nothing can exit those locks
    /// any more), leaving those of engines still running (tests run engines side by side). Returns how many it dropped.
    /// </summary>
    public static int ReleaseStale()
    {
        if (!Available)
        {
            return 0;
        }

        var released = 0;
        foreach (DictionaryEntry entry in Blocks!)
        {
            // Lazy<SynchronizedBlock>: one not yet created is being made by a running engine right now.
            if (IsValueCreated!.GetValue(entry.Value) is true
                && Value!.GetValue(entry.Value) is { } block
                && BlockRuntimeId!.GetValue(block) is Guid runtime
                && !LiveRuntimes!.Contains(runtime))
            {
                Blocks.Remove(entry.Key);
                released++;
            }
        }

        return released;
    }
}
