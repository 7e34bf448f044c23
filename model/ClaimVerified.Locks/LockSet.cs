// What the woven core calls: lock acquisition and release (so each thread knows the locks it holds), the lockset check
// on every access to a guarded field, and a scheduling point on every read Xen makes without a lock.
using System.Runtime.CompilerServices;
using Microsoft.Coyote.Runtime;

namespace ClaimVerified.Locks;

/// <summary>A field of shared accounting state was touched without the lock that guards it.</summary>
public sealed class LockDisciplineException(string message) : Exception(message);

/// <summary>Marks an assembly into which the lockset checks were woven: a production build must never carry it.</summary>
[AttributeUsage(AttributeTargets.Assembly)]
public sealed class LocksetWovenAttribute : Attribute;

/// <summary>
/// The runtime of the woven checks. Each thread keeps the locks it holds (the core's critical sections never await,
/// so a lock is released on the thread that took it; under Coyote a paused operation keeps its thread). Lock objects
/// are named when the core stores them (<see cref="Declare"/>), so a lock on any other object counts for nothing.
/// </summary>
public static class LockSet
{
    private sealed record LockInfo(string Name, object? Owner);

    private static readonly ConditionalWeakTable<object, LockInfo> Named = new();

    private static readonly ConditionalWeakTable<object, Action> ReleaseHooks = new();

    private static readonly Dictionary<string, int> OrderRank =
        GuardTable.LockOrder.Select((name, rank) => (name, rank)).ToDictionary(x => x.name, x => x.rank);

    private static readonly Dictionary<string, Guard> GuardsByField = GuardTable.Guards.ToDictionary(g => g.Field);

    [ThreadStatic]
    private static List<object>? held;

    [ThreadStatic]
    private static int unlockedReaderDepth;

    [ThreadStatic]
    private static int ghostReaderDepth;

    private static List<object> Held => held ??= [];

    /// <summary>Woven where the core stores a lock object in its field: names the object.</summary>
    public static void Declare(object owner, object lockObject, string field)
    {
        var info = GuardTable.Locks.Single(l => l.Field == field);
        Named.AddOrUpdate(lockObject, new LockInfo(info.Name, info.PerOwner ? owner : null));
    }

    /// <summary>Replaces Monitor.Enter(object, ref bool), the call a C# lock statement makes.</summary>
    public static void Enter(object lockObject, ref bool lockTaken)
    {
        var start = LocksetMeter.Begin();
        CheckOrder(lockObject);
        LocksetMeter.End(start);
        Monitor.Enter(lockObject, ref lockTaken);
        if (lockTaken)
        {
            Held.Add(lockObject);
        }
    }

    /// <summary>Replaces Monitor.Enter(object), which the core itself never calls (generated lock mutants do).</summary>
    public static void EnterAlone(object lockObject)
    {
        var taken = false;
        Enter(lockObject, ref taken);
    }

    /// <summary>
    /// Calls <paramref name="hook"/> at the end of every section of <paramref name="lockObject"/>, still inside it, as a
    /// ghost reader: a model's observer of the states that lock's sections leave (no scheduling point, no check).
    /// </summary>
    public static void OnRelease(object lockObject, Action hook) => ReleaseHooks.AddOrUpdate(lockObject, hook);

    /// <summary>Replaces Monitor.Exit(object).</summary>
    public static void Exit(object lockObject)
    {
        if (ReleaseHooks.TryGetValue(lockObject, out var hook))
        {
            BeginGhostReader();
            try
            {
                hook();
            }
            finally
            {
                EndGhostReader();
            }
        }

        var start = LocksetMeter.Begin();
        var index = Held.LastIndexOf(lockObject);
        if (index >= 0)
        {
            Held.RemoveAt(index);
        }

        LocksetMeter.End(start, check: false);
        Monitor.Exit(lockObject);
    }

    /// <summary>Woven at the start and end of a declared unlocked reader (<see cref="GuardTable.UnlockedReaders"/>).</summary>
    public static void BeginUnlockedReader() => unlockedReaderDepth++;

    public static void EndUnlockedReader() => unlockedReaderDepth--;

    /// <summary>Woven at the start and end of a ghost reader (<see cref="GuardTable.GhostReaders"/>).</summary>
    public static void BeginGhostReader() => ghostReaderDepth++;

    public static void EndGhostReader() => ghostReaderDepth--;

    /// <summary>Woven before a read that the guard table declares unlocked in this method: another thread may run first.</summary>
    public static void UnlockedRead()
    {
        LocksetMeter.CountUnlockedRead();
        SchedulingPoint.Interleave();
    }

    /// <summary>Woven before every access to a guarded field of <paramref name="owner"/> in <paramref name="method"/>.</summary>
    public static void Access(object owner, string field, string method, bool write)
    {
        if (ghostReaderDepth > 0 && !write)
        {
            return;
        }

        var start = LocksetMeter.Begin();
        var guard = GuardsByField[field];
        if (!write && (unlockedReaderDepth > 0 || guard.Kind == GuardKind.WrittenLockedReadAnywhere))
        {
            // Xen reads this without a lock here: another thread may write between this read and the next.
            LocksetMeter.End(start);
            UnlockedRead();
            return;
        }

        var allowed = guard.Kind == GuardKind.Atomic || Holds(guard, owner);
        LocksetMeter.End(start);
        if (allowed)
        {
            return;
        }

        throw new LockDisciplineException(
            $"lockset: {method} {(write ? "writes" : "reads")} {field} without {guard.Lock}"
            + $"{(guard.PerOwner ? " of the domain it belongs to" : "")} (held: {Describe()}); the guard table says: {guard.Source}");
    }

    /// <summary>
    /// Refuses, before waiting for it, a lock taken while this thread holds one that comes after it in
    /// <see cref="GuardTable.LockOrder"/>: two threads taking two locks in opposite orders can deadlock.
    /// </summary>
    private static void CheckOrder(object lockObject)
    {
        if (!Named.TryGetValue(lockObject, out var taking))
        {
            return;
        }

        var rank = OrderRank[taking.Name];
        foreach (var held in Held)
        {
            if (Named.TryGetValue(held, out var info) && OrderRank[info.Name] > rank)
            {
                throw new LockDisciplineException(
                    $"lock order: {taking.Name} taken while holding {info.Name}; the order is {string.Join(", then ", GuardTable.LockOrder)} "
                    + "(xen/common/page_alloc.c: page_alloc_lock before heap_lock; do_domctl takes domctl_lock first)");
            }
        }
    }

    /// <summary>Whether this thread holds the guard's lock (the owner's own, for a per-owner lock).</summary>
    private static bool Holds(Guard guard, object owner) =>
        Held.Any(l => Named.TryGetValue(l, out var info) && info.Name == guard.Lock && (!guard.PerOwner || info.Owner == owner));

    private static string Describe() =>
        Held.Count == 0 ? "none" : string.Join(", ", Held.Select(l => Named.TryGetValue(l, out var info) ? info.Name : "an unnamed lock"));
}
