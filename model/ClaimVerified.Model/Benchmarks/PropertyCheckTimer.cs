using System.Diagnostics;

namespace ClaimVerified.Model.Benchmarks;

/// <summary>
/// A switchable accumulator for the time spent in our property checks (the snapshot properties, the admin view,
/// no-leak and the guarantee, with their messages), so that <see cref="CheckerPower.ExplorationSpeed"/> can say how
/// much of an exploration is ours and how much is Coyote's. Off by default: then each check costs one branch.
/// The monitors call <see cref="Start"/> and <see cref="Stop"/> around each check; under Coyote one task runs at a
/// time, so a plain static accumulator is exact.
/// </summary>
public static class PropertyCheckTimer
{
    private static long elapsedTicks;
    private static long checks;

    /// <summary>Whether checks are timed. Set by the benchmark runner only.</summary>
    public static bool Enabled { get; set; }

    /// <summary>Time spent in checks since the last <see cref="Reset"/>.</summary>
    public static TimeSpan Elapsed => Stopwatch.GetElapsedTime(0, elapsedTicks);

    /// <summary>Checks timed since the last <see cref="Reset"/>.</summary>
    public static long Checks => checks;

    public static void Reset()
    {
        elapsedTicks = 0;
        checks = 0;
    }

    /// <summary>A timestamp when timing is on, else 0.</summary>
    public static long Start() => Enabled ? Stopwatch.GetTimestamp() : 0;

    /// <summary>Adds the time since <paramref name="started"/> (a value from <see cref="Start"/>).</summary>
    public static void Stop(long started)
    {
        if (started != 0)
        {
            elapsedTicks += Stopwatch.GetTimestamp() - started;
            checks++;
        }
    }
}
