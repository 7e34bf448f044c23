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
/// <c>read</c> sees, from a timer thread: the search is not slowed down or synchronised for it (the counters it reads
/// may be a moment old).
/// </summary>
[SkipRewriting(SequentialOnly.Reason)]
internal sealed class ProgressTicker : IDisposable
{
    private readonly Timer? timer;

    public ProgressTicker(SpecCheckLimits limits, Func<SpecCheckProgress> read)
    {
        if (limits.Progress is not { } progress)
        {
            return;
        }

        var period = TimeSpan.FromSeconds(Math.Clamp(limits.ProgressSeconds, 0.001, 3600));
        timer = new Timer(_ => progress(read()), null, period, period);
    }

    public void Dispose()
    {
        using var stopped = new ManualResetEvent(false);
        if (timer is not null && timer.Dispose(stopped))
        {
            stopped.WaitOne(TimeSpan.FromSeconds(5)); // No progress line after the result.
        }
    }
}
