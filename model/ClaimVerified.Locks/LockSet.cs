// What the woven core calls: lock acquisition and release (so each thread knows the locks it holds), the lockset check
// on every access to a guarded field, the split-section checks (stale value, torn update) on every access, and a
// scheduling point on every read Xen makes without a lock.
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
    /// A section of a lock that a call of a method has closed: its site (the lock statement's ordinal in the method)
    /// and the first field that lock guards it read and wrote (null: none).
    /// </summary>
    private sealed record Section(int Site, string? Read, string? Wrote);

    /// <summary>One call of a core method that has lock statements: the sections it has closed that read or wrote.</summary>
    private sealed class Frame(string method)
    {
        public string Method { get; } = method;

        public List<(object Lock, Section Section)> Closed { get; } = [];
    }

    /// <summary>
    /// One lock held: where it was taken, the first fields it guards read and written while it was held and, when the
    /// same call of the same method had already held the same lock at another site and touched what it guards, that
    /// earlier section.
    /// </summary>
    private sealed class Holding(object lockObject, Frame? frame, int site)
    {
        public object Lock { get; } = lockObject;

        /// <summary>The run whose count of core locks held this holding is in (null: a lock taken outside any run).</summary>
        public Quiescence? Run { get; init; }

        public Frame? Frame { get; } = frame;

        public int Site { get; } = site;

        public string? FirstRead { get; set; }

        public string? FirstWrite { get; set; }

        public Section? After { get; init; }
    }

    private static readonly ConditionalWeakTable<object, LockInfo> Named = new();

    private static readonly ConditionalWeakTable<object, Action> ReleaseHooks = new();

    private static readonly Dictionary<string, int> OrderRank =
        GuardTable.LockOrder.Select((name, rank) => (name, rank)).ToDictionary(x => x.name, x => x.rank);

    private static readonly Dictionary<string, Guard> GuardsByField = GuardTable.Guards.ToDictionary(g => g.Field);

    private static readonly HashSet<(string Method, string Lock, int FirstSite, int SecondSite)> DeclaredRetakes =
        GuardTable.Retakes.Select(r => (r.Method, r.Lock, r.FirstSite, r.SecondSite)).ToHashSet();

    [ThreadStatic]
    private static List<Holding>? held;

    [ThreadStatic]
    private static List<Frame>? frames;

    [ThreadStatic]
    private static int unlockedReaderDepth;

    [ThreadStatic]
    private static int ghostReaderDepth;

    /// <summary>
    /// The run this flow of execution belongs to. An async local, not a static: test classes run Coyote engines side by
    /// side in one process, and each run's threads are the tasks its scenario started, which inherit it.
    /// </summary>
    private static readonly AsyncLocal<Quiescence?> CurrentRun = new();

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
            var run = Named.TryGetValue(lockObject, out _) ? CurrentRun.Value : null;
            run?.Take();
            Held.Add(new Holding(lockObject, frame, site) { After = frame is null ? null : EarlierSection(frame, lockObject, site), Run = run });
        }
    }

    /// <summary>
    /// Makes <paramref name="run"/> the run of this flow of execution and of every task it starts from now on: its count
    /// of core locks held by any of its threads, and what it does each time that count falls to zero (null: none).
    /// </summary>
    public static void BeginRun(Quiescence? run) => CurrentRun.Value = run;

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
            AsGhostReader(hook);
        }

        var start = LocksetMeter.Begin();
        var index = Held.FindLastIndex(h => h.Lock == lockObject);
        if (index >= 0)
        {
            var holding = Held[index];
            if (holding.Frame is not null && (holding.FirstRead ?? holding.FirstWrite) is not null)
            {
                holding.Frame.Closed.Add((lockObject, new Section(holding.Site, holding.FirstRead, holding.FirstWrite)));
            }

            Held.RemoveAt(index);
            if (holding.Run is { } run && run.Release())
            {
                AsGhostReader(run.WhenQuiescent);
            }
        }

        LocksetMeter.End(start, check: false);
        Monitor.Exit(lockObject);
    }

    /// <summary>Runs a model's observer (a release hook, the quiescent audit) as a ghost reader: it reads without the checks.</summary>
    private static void AsGhostReader(Action observer)
    {
        BeginGhostReader();
        try
        {
            observer();
        }
        finally
        {
            EndGhostReader();
        }
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
        CheckNotSplit(field, method, write);
        NoteAccess(field, guard, owner, write);

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
    /// statement, and touched guarded state in (none, if this pair of its sections is declared a re-take, as Xen's).
    /// </summary>
    private static Section? EarlierSection(Frame frame, object lockObject, int site)
    {
        foreach (var (closedLock, section) in frame.Closed)
        {
            if (closedLock == lockObject && section.Site != site
                && !(Named.TryGetValue(lockObject, out var info)
                    && DeclaredRetakes.Contains((frame.Method, info.Name, section.Site, site))))
            {
                return section;
            }
        }

        return null;
    }

    /// <summary>
    /// Notes an access to a field in the sections of the lock that guards it: what a section read is stale, and what
    /// it wrote half an update, only once its own lock is dropped (a field of another lock held across a split cannot
    /// change meanwhile). A field Xen reads without its own lock (is_dying, the domain list) counts as read in every
    /// section held while reading it, of the same domain's lock or a host-wide one: such a read is safe only because
    /// its writer's next step takes that lock (domain_kill sets is_dying, then takes page_alloc_lock and heap_lock to
    /// release and relinquish), and once the lock is dropped that step may have run.
    /// </summary>
    private static void NoteAccess(string field, Guard guard, object owner, bool write)
    {
        var readAnywhere = !write && guard.Kind == GuardKind.WrittenLockedReadAnywhere && !Holds(guard, owner);
        foreach (var holding in Held)
        {
            if (Named.TryGetValue(holding.Lock, out var info)
                && (info.Name == guard.Lock ? !guard.PerOwner || info.Owner == owner : readAnywhere && (info.Owner is null || info.Owner == owner)))
            {
                holding.FirstRead ??= write ? null : field;
                holding.FirstWrite ??= write ? field : null;
            }
        }
    }

    /// <summary>
    /// A section of a lock that the same call of a method had held before, at another lock statement, and dropped:
    /// Xen's function holds the lock across both (unless <see cref="GuardTable.Retakes"/> says it re-takes it).
    /// A write after the first section read is Burrows and Leino's stale value (what was checked may have changed
    /// while the lock was free); any access after the first section wrote is a torn update (while the lock was free,
    /// other threads saw the update half made, and this section builds on a state they may have changed).
    /// </summary>
    private static void CheckNotSplit(string field, string method, bool write)
    {
        foreach (var holding in Held)
        {
            if (holding.After is not { } earlier || (!write && earlier.Wrote is null))
            {
                continue;
            }

            var lockName = Named.TryGetValue(holding.Lock, out var info) ? info.Name : "an unnamed lock";
            var second = $"{method} {(write ? "writes" : "reads")} {field} in a second {lockName} section of {holding.Frame!.Method} "
                + $"(lock statement {holding.Site}), after its section at lock statement {earlier.Site}";
            var why = write && earlier.Read is not null
                ? $"stale value: {second} read {earlier.Read} and dropped {lockName}: what was read under the lock may have "
                    + "changed while it was free"
                : $"torn update: {second} wrote {earlier.Wrote} and dropped {lockName}: while the lock was free other threads "
                    + "saw the update half made";
            throw new LockDisciplineException(
                $"{why}. Xen holds {lockName} across both; the guard table declares no re-take of it in this method");
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
