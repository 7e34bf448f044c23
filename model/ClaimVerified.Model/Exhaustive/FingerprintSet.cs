using Microsoft.Coyote.Rewriting;
namespace ClaimVerified.Model.Exhaustive;

/// <summary>
/// The exhaustive checker's visited set: 128-bit state keys (<see cref="StateKey"/>) in one open-addressing table with
/// linear probing, 16 bytes a slot (both halves of a key side by side, so a probe touches one cache line), grown to keep it at most 70% full. A HashSet of UInt128 costs about three times the
/// memory and twice the time per lookup; this is what lets a bound of tens of millions of states fit and run.
/// </summary>
/// <remarks>The all-zero key marks an empty slot, so a state whose key is zero is stored as key 1 (a 2^-128 event
/// that would merge two states, as any collision of the keys would).</remarks>
[SkipRewriting(SequentialOnly.Reason)]
public sealed class FingerprintSet
{
    /// <summary>At most 2^29 slots (8 GiB, about 375 million states): a limit on everything, beyond the CLI's state limit.</summary>
    public const int MaxCapacity = 1 << 29;

    private ulong[] slots;
    private int mask;
    private int growAt;

    public FingerprintSet(int initialCapacity = 1 << 16)
    {
        var capacity = (int)Math.Min(MaxCapacity, System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, initialCapacity)));
        slots = new ulong[2 * (long)capacity];
        mask = capacity - 1;
        growAt = (int)(capacity * 0.7);
    }

    public long Count { get; private set; }

    /// <summary>Empties the set and keeps its table (a table that grew large is kept large: it will be needed again).</summary>
    public void Clear()
    {
        if (Count > 0)
        {
            Array.Clear(slots);
            Count = 0;
        }
    }

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

        if (!Insert(slots, mask, lo, hi))
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
            if (slots[2 * slot] == lo && slots[(2 * slot) + 1] == hi)
            {
                return true;
            }

            if (slots[2 * slot] == 0 && slots[(2 * slot) + 1] == 0)
            {
                return false;
            }
        }
    }

    private static bool Insert(ulong[] slots, int mask, ulong lo, ulong hi)
    {
        // The high half picks the slot: StateKey's two lanes are independent, so it is as good as a fresh hash.
        for (var slot = (int)(hi & (ulong)mask); ; slot = (slot + 1) & mask)
        {
            var at = 2 * slot;
            if (slots[at] == 0 && slots[at + 1] == 0)
            {
                slots[at] = lo;
                slots[at + 1] = hi;
                return true;
            }

            if (slots[at] == lo && slots[at + 1] == hi)
            {
                return false;
            }
        }
    }

    private void Grow()
    {
        var capacity = (mask + 1) * 2;
        if (capacity > MaxCapacity)
        {
            throw new InvalidOperationException($"the visited set is full ({MaxCapacity} slots); give the check a smaller bound or a state limit");
        }

        var grown = new ulong[2 * (long)capacity];
        var newMask = capacity - 1;
        for (var at = 0L; at < slots.LongLength; at += 2)
        {
            if (slots[at] != 0 || slots[at + 1] != 0)
            {
                Insert(grown, newMask, slots[at], slots[at + 1]);
            }
        }

        (slots, mask, growAt) = (grown, newMask, (int)(capacity * 0.7));
    }
}
