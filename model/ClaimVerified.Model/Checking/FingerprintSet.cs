using Microsoft.Coyote.Rewriting;
namespace ClaimVerified.Model.Checking;

/// <summary>
/// The exhaustive checker's visited set: 128-bit state keys (<see cref="StateKey"/>) in one open-addressing table with
/// linear probing, 16 bytes a slot, grown to keep it at most 70% full. A HashSet of UInt128 costs about three times the
/// memory and twice the time per lookup; this is what lets a bound of tens of millions of states fit and run.
/// </summary>
/// <remarks>The all-zero key marks an empty slot, so a state whose key is zero is stored as key 1 (a 2^-128 event
/// that would merge two states, as any collision of the keys would).</remarks>
[SkipRewriting(SequentialOnly.Reason)]
public sealed class FingerprintSet
{
    /// <summary>At most 2^30 slots (16 GiB): a limit on everything, and far beyond the CLI's state limit.</summary>
    public const int MaxCapacity = 1 << 30;

    private ulong[] low;
    private ulong[] high;
    private int mask;
    private int growAt;

    public FingerprintSet(int initialCapacity = 1 << 16)
    {
        var capacity = (int)Math.Min(MaxCapacity, System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, initialCapacity)));
        low = new ulong[capacity];
        high = new ulong[capacity];
        mask = capacity - 1;
        growAt = (int)(capacity * 0.7);
    }

    public long Count { get; private set; }

    /// <summary>Adds <paramref name="key"/>; false when it was already there.</summary>
    public bool Add(UInt128 key)
    {
        var lo = (ulong)key;
        var hi = (ulong)(key >> 64);
        if (lo == 0 && hi == 0)
        {
            lo = 1;
        }

        if (Count >= growAt)
        {
            Grow();
        }

        if (!Insert(low, high, mask, lo, hi))
        {
            return false;
        }

        Count++;
        return true;
    }

    public bool Contains(UInt128 key)
    {
        var lo = (ulong)key;
        var hi = (ulong)(key >> 64);
        if (lo == 0 && hi == 0)
        {
            lo = 1;
        }

        for (var slot = (int)(hi & (ulong)mask); ; slot = (slot + 1) & mask)
        {
            if (low[slot] == lo && high[slot] == hi)
            {
                return true;
            }

            if (low[slot] == 0 && high[slot] == 0)
            {
                return false;
            }
        }
    }

    private static bool Insert(ulong[] low, ulong[] high, int mask, ulong lo, ulong hi)
    {
        // The high half picks the slot: StateKey's two lanes are independent, so it is as good as a fresh hash.
        for (var slot = (int)(hi & (ulong)mask); ; slot = (slot + 1) & mask)
        {
            if (low[slot] == 0 && high[slot] == 0)
            {
                low[slot] = lo;
                high[slot] = hi;
                return true;
            }

            if (low[slot] == lo && high[slot] == hi)
            {
                return false;
            }
        }
    }

    private void Grow()
    {
        if (low.Length >= MaxCapacity)
        {
            throw new InvalidOperationException($"the visited set is full ({MaxCapacity} slots); give the check a smaller bound or a state limit");
        }

        var capacity = low.Length * 2;
        var newLow = new ulong[capacity];
        var newHigh = new ulong[capacity];
        var newMask = capacity - 1;
        for (var slot = 0; slot < low.Length; slot++)
        {
            if (low[slot] != 0 || high[slot] != 0)
            {
                Insert(newLow, newHigh, newMask, low[slot], high[slot]);
            }
        }

        (low, high, mask, growAt) = (newLow, newHigh, newMask, (int)(capacity * 0.7));
    }
}
