using System.Globalization;
using Microsoft.Coyote.Rewriting;

namespace ClaimVerified.Model.Exhaustive;

/// <summary>Where a running spec-check is: the depth it expands, the states found, transitions tried, time and managed heap.</summary>
public sealed record SpecCheckProgress(int Depth, long States, long Transitions, double Seconds, long MemoryBytes)
{
    public double StatesPerSecond => Seconds > 0 ? States / Seconds : 0;

    public string Render() => string.Create(CultureInfo.InvariantCulture,
        $"spec-check: depth {Depth}, {States:N0} states ({StatesPerSecond:N0}/s), {Transitions:N0} transitions, {Seconds:F1} s, {MemoryBytes / (1 << 20):N0} MiB");
}

/// <summary>
/// Calls <see cref="SpecCheckLimits.Progress"/> every <see cref="SpecCheckLimits.ProgressSeconds"/> with what
/// <c>read</c> sees, from a thread of its own: the search is not slowed down or synchronised for it (the counters it
/// reads may be a moment old). Not a thread-pool timer: the search's workers fill the pool, and on a loaded machine a
/// timer's callback waited for a pool thread past the end of a 3-second run, which then printed no line at all.
/// </summary>
[SkipRewriting(SequentialOnly.Reason)]
internal sealed class ProgressTicker : IDisposable
{
    private readonly ManualResetEventSlim stop = new(false);
    private readonly Thread? thread;

    public ProgressTicker(SpecCheckLimits limits, Func<SpecCheckProgress> read)
    {
        if (limits.Progress is not { } progress)
        {
            return;
        }

        var period = TimeSpan.FromSeconds(Math.Clamp(limits.ProgressSeconds, 0.001, 3600));
        thread = new Thread(() =>
        {
            while (!stop.Wait(period))
            {
                progress(read());
            }
        })
        { IsBackground = true, Name = "spec-check progress" };
        thread.Start();
    }

    public void Dispose()
    {
        stop.Set();
        // No progress line after the result: wait for a line being written (5 s at most; a thread still running then is
        // a background one, and its event is left to the finalizer).
        if (thread is null || thread.Join(TimeSpan.FromSeconds(5)))
        {
            stop.Dispose();
        }
    }
}
