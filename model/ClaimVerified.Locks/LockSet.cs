// What the woven core calls: lock acquisition and release (so each thread knows the locks it holds), the lockset check
// on every access to a guarded field, the stale-value check on every write, and a scheduling point on every read Xen
// makes without a lock.
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

    /// <summary>
    /// One call of a core method that has lock statements: the sections of each lock it has closed, by site (the
    /// lock statement's ordinal in the method), with the first field that lock guards read while each was held.
    /// </summary>
    private sealed class Frame(string method)
    {
        public string Method { get; } = method;

        public List<(object Lock, int Site, string Read)> Closed { get; } = [];
    }

    /// <summary>
    /// One lock held: where it was taken, the first field it guards read while it was held and, when the same call of
    /// the same method had already held the same lock at another site and read what it guards, that earlier section.
    /// </summary>
    private sealed class Holding(object lockObject, Frame? frame, int site)
    {
        public object Lock { get; } = lockObject;

        public Frame? Frame { get; } = frame;

        public int Site { get; } = site;

        public string? FirstRead { get; set; }

        public (int Site, string Read)? After { get; init; }
    }

    private static readonly ConditionalWeakTable<object, LockInfo> Named = new();

    private static readonly ConditionalWeakTable<object, Action> ReleaseHooks = new();

    private static readonly Dictionary<string, int> OrderRank =
        GuardTable.LockOrder.Select((name, rank) => (name, rank)).ToDictionary(x => x.name, x => x.rank);

    private static readonly Dictionary<string, Guard> GuardsByField = GuardTable.Guards.ToDictionary(g => g.Field);

    private static readonly HashSet<(string Method, string Lock)> DeclaredRetakes =
        GuardTable.Retakes.Select(r => (r.Method, r.Lock)).ToHashSet();

    [ThreadStatic]
    private static List<Holding>? held;

    [ThreadStatic]
    private static List<Frame>? frames;

    [ThreadStatic]
    private static int unlockedReaderDepth;

    [ThreadStatic]
    private static int ghostReaderDepth;

    private static List<Holding> Held => held ??= [];

    private static List<Frame> Frames => frames ??= [];

    /// <summary>Woven where the core stores a lock object in its field: names the object.</summary>
    public static void Declare(object owner, object lockObject, string field)
    {
        var info = GuardTable.Locks.Single(l => l.Field == field);
        Named.AddOrUpdate(lockObject, new LockInfo(info.Name, info.PerOwner ? owner : null));
    }

    /// <summary>Monitor.Enter(object, ref bool), the call a C# lock statement makes, outside any woven method.</summary>
    public static void Enter(object lockObject, ref bool lockTaken) => EnterSection(lockObject, ref lockTaken, site: 0);

    /// <summary>
    /// Replaces Monitor.Enter(object, ref bool) in a woven method: <paramref name="site"/> is the lock statement's
    /// ordinal in that method (0: not in a woven method's frame, as when a test takes a lock itself).
    /// </summary>
    public static void EnterSection(object lockObject, ref bool lockTaken, int site)
    {
        var start = LocksetMeter.Begin();
        CheckOrder(lockObject);
        LocksetMeter.End(start);
        Monitor.Enter(lockObject, ref lockTaken);
        if (lockTaken)
        {
            var frame = site > 0 && Frames.Count > 0 ? Frames[^1] : null;
            Held.Add(new Holding(lockObject, frame, site) { After = frame is null ? null : EarlierSection(frame, lockObject, site) });
        }
    }

    /// <summary>Replaces Monitor.Enter(object), which the core itself never calls (generated lock mutants do).</summary>
    public static void EnterSectionAlone(object lockObject, int site)
    {
        var taken = false;
        EnterSection(lockObject, ref taken, site);
    }

    /// <summary>Woven at the start of every core method that has lock statements: its sections are told apart.</summary>
    public static void BeginFrame(string method) => Frames.Add(new Frame(method));

    /// <summary>Woven in a finally at the end of the same methods.</summary>
    public static void EndFrame() => Frames.RemoveAt(Frames.Count - 1);

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
        var index = Held.FindLastIndex(h => h.Lock == lockObject);
        if (index >= 0)
        {
            var holding = Held[index];
            if (holding is { Frame: not null, FirstRead: not null })
            {
                holding.Frame.Closed.Add((lockObject, holding.Site, holding.FirstRead));
            }

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
        if (write)
        {
            CheckNotStale(field, method);
        }
        else
        {
            NoteRead(field, guard, owner);
        }

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
    /// The section of <paramref name="lockObject"/> that this call of the frame's method held before, at another lock
    /// statement, and read guarded state in (none, if the method is declared to re-take that lock as Xen's does).
    /// </summary>
    private static (int Site, string Read)? EarlierSection(Frame frame, object lockObject, int site)
    {
        foreach (var (closedLock, closedSite, read) in frame.Closed)
        {
            if (closedLock == lockObject && closedSite != site
                && !(Named.TryGetValue(lockObject, out var info) && DeclaredRetakes.Contains((frame.Method, info.Name))))
            {
                return (closedSite, read);
            }
        }

        return null;
    }

    /// <summary>
    /// Notes a read of a field in the sections of the lock that guards it: a value is stale only once its own lock is
    /// dropped (a field of another lock held across a split cannot change meanwhile).
    /// </summary>
    private static void NoteRead(string field, Guard guard, object owner)
    {
        foreach (var holding in Held)
        {
            if (holding.FirstRead is null && Named.TryGetValue(holding.Lock, out var info) && info.Name == guard.Lock
                && (!guard.PerOwner || info.Owner == owner))
            {
                holding.FirstRead = field;
            }
        }
    }

    /// <summary>
    /// Burrows and Leino's stale value: a write made in a section of a lock that the same call of a method had dropped
    /// after reading under it. What was checked under the lock may have changed while it was free, and Xen's function
    /// holds the lock across both (unless <see cref="GuardTable.Retakes"/> says it re-takes it).
    /// </summary>
    private static void CheckNotStale(string field, string method)
    {
        foreach (var holding in Held)
        {
            if (holding.After is { } earlier)
            {
                var lockName = Named.TryGetValue(holding.Lock, out var info) ? info.Name : "an unnamed lock";
                throw new LockDisciplineException(
                    $"stale value: {method} writes {field} in a second {lockName} section of {holding.Frame!.Method} (lock statement "
                    + $"{holding.Site}), after its section at lock statement {earlier.Site} read {earlier.Read} and dropped {lockName}: "
                    + $"what was read under the lock may have changed while it was free. Xen holds {lockName} across both; the "
                    + "guard table declares no re-take of it in this method");
            }
        }
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
        foreach (var holding in Held)
        {
            if (Named.TryGetValue(holding.Lock, out var info) && OrderRank[info.Name] > rank)
            {
                throw new LockDisciplineException(
                    $"lock order: {taking.Name} taken while holding {info.Name}; the order is {string.Join(", then ", GuardTable.LockOrder)} "
                    + "(xen/common/page_alloc.c: page_alloc_lock before heap_lock; do_domctl takes domctl_lock first)");
            }
        }
    }

    /// <summary>Whether this thread holds the guard's lock (the owner's own, for a per-owner lock).</summary>
    private static bool Holds(Guard guard, object owner) =>
        Held.Any(h => Named.TryGetValue(h.Lock, out var info) && info.Name == guard.Lock && (!guard.PerOwner || info.Owner == owner));

    private static string Describe() =>
        Held.Count == 0 ? "none" : string.Join(", ", Held.Select(h => Named.TryGetValue(h.Lock, out var info) ? info.Name : "an unnamed lock"));
}
