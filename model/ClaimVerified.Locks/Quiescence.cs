namespace ClaimVerified.Locks;

/// <summary>
/// One run's count of the core's locks held by any of its threads, and what it does at each point the count falls to
/// zero: a point where an audit, which takes domctl_lock, every page_alloc_lock and heap_lock, could start and see the
/// state as it is, since no section is half done. The model judges the state an audit would see there, as a ghost
/// read (<see cref="LockSet"/> runs <see cref="WhenQuiescent"/> as a ghost reader, inside the last release): no
/// scheduling point is added, so the schedules are those without it, and a state that only an observer placed by the
/// scheduler at the right moment used to see is judged wherever it occurs.
/// </summary>
/// <remarks>
/// Coyote runs one controlled operation at a time, so the count needs no atomic update; it is per run (not a static)
/// because test classes run engines side by side in one process.
/// </remarks>
public sealed class Quiescence(Action whenQuiescent)
{
    private int heldCount;

    /// <summary>What the run does at each point no core lock is held (the model: judge the state an audit would see).</summary>
    public Action WhenQuiescent { get; } = whenQuiescent ?? throw new ArgumentNullException(nameof(whenQuiescent));

    /// <summary>Core locks held by any of the run's threads now.</summary>
    public int HeldCount => heldCount;

    internal void Take() => heldCount++;

    /// <summary>One lock released: whether it was the last one held.</summary>
    internal bool Release()
    {
        if (heldCount <= 0)
        {
            throw new InvalidOperationException("a run released a core lock more often than it took one: the lockset runtime lost count");
        }

        return --heldCount == 0;
    }
}
