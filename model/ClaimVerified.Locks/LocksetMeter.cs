// What the woven checks cost while Coyote explores, for `claimverify bench speed`. Off by default: one branch per
// check. Under Coyote one controlled thread runs at a time, so plain static counters are exact (an Interlocked
// operation would be a scheduling point of its own and move every schedule).
using System.Diagnostics;

namespace ClaimVerified.Locks;

/// <summary>
/// Accumulates the time spent inside the lockset checks (the guard lookup, the held-lock scan, the lock-order check
/// and the held-lock bookkeeping), how many checks ran, and how many scheduling points the declared unlocked reads
/// added. The scheduling points themselves are not timed: what runs at one is another thread's work.
/// </summary>
public static class LocksetMeter
{
    private static bool on;

    /// <summary>Stopwatch ticks inside the checks since <see cref="Start"/>.</summary>
    public static long Ticks { get; private set; }

    /// <summary>Accesses checked against the guard table, and locks checked against the lock order, since <see cref="Start"/>.</summary>
    public static long Checks { get; private set; }

    /// <summary>Scheduling points added before reads Xen makes without a lock, since <see cref="Start"/>.</summary>
    public static long UnlockedReadPoints { get; private set; }

    public static TimeSpan Elapsed => Stopwatch.GetElapsedTime(0, Ticks);

    /// <summary>Zeroes the counters and meters until the returned handle is disposed.</summary>
    public static IDisposable Start()
    {
        (Ticks, Checks, UnlockedReadPoints, on) = (0, 0, 0, true);
        return new Stopper();
    }

    internal static long Begin() => on ? Stopwatch.GetTimestamp() : 0;

    /// <param name="check">False for the held-lock bookkeeping of a release, which is timed but checks nothing.</param>
    internal static void End(long start, bool check = true)
    {
        if (on)
        {
            Ticks += Stopwatch.GetTimestamp() - start;
            Checks += check ? 1 : 0;
        }
    }

    internal static void CountUnlockedRead()
    {
        if (on)
        {
            UnlockedReadPoints++;
        }
    }

    private sealed class Stopper : IDisposable
    {
        public void Dispose() => on = false;
    }
}
