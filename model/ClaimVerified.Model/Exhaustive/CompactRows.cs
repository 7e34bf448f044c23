using Microsoft.Coyote.Rewriting;

namespace ClaimVerified.Model.Exhaustive;

/// <summary>
/// A level of the packed search, stored compactly: rows of a <see cref="PackedLayout"/> appended in order, each field
/// kept as its offset from the field's lowest value in as few bits as the values seen need. A row of 54 fields that
/// count a few dozen pages takes 38 bytes instead of 252, and the frontier was most of what a large bound's search
/// held (RESULTS.md section 7c).
/// </summary>
/// <remarks>
/// Each field starts with the range its ceiling gives (<see cref="PackedLayout.Ceilings"/>: what the bound lets it
/// reach, 0..ceiling); a value outside it (a negative counter of a profile whose accounting underflows, or
/// <see cref="PackedLayout.AboveEveryBound"/>) widens that field, at least doubling its range, and the rows already
/// stored are written again in the new layout. A widening is rare and happens only in <see cref="Append"/>, which one
/// thread calls while no other reads. Rows are packed bit after bit in chunks of 16,384 rows, so that no array grows
/// past what the runtime allows however wide the frontier is.
/// </remarks>
[SkipRewriting(SequentialOnly.Reason)]
public sealed class CompactRows
{
    private const int RowsPerChunk = 1 << 14;
    private readonly int width;
    private readonly long[] lowest;
    private readonly int[] bits;
    private readonly List<ulong[]> chunks = [];
    private int rowBits;

    /// <param name="ceilings">Per field, the largest value it is expected to reach (its first range is 0..ceiling).</param>
    public CompactRows(IReadOnlyList<int> ceilings)
    {
        ArgumentNullException.ThrowIfNull(ceilings);
        width = ceilings.Count;
        lowest = new long[width];
        bits = new int[width];
        for (var f = 0; f < width; f++)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(ceilings[f]);
            bits[f] = BitsFor(ceilings[f]);
        }

        rowBits = bits.Sum();
    }

    public int Count { get; private set; }

    /// <summary>Integers a row holds.</summary>
    public int Width => width;

    /// <summary>Bits a row takes now (the sum of its fields' widths).</summary>
    public int RowBits => rowBits;

    /// <summary>How many times a field had to be widened (tests and RESULTS read it).</summary>
    public int Widenings { get; private set; }

    /// <summary>Bytes the stored chunks take.</summary>
    public long Bytes => chunks.Sum(c => (long)c.Length * sizeof(ulong));

    public void Append(ReadOnlySpan<int> row)
    {
        if (row.Length != width)
        {
            throw new ArgumentException($"a row of this buffer has {width} fields, not {row.Length}", nameof(row));
        }

        if (!Fits(row))
        {
            Widen(row);
        }

        Write(Count, row);
        Count++;
    }

    /// <summary>Row <paramref name="index"/> into <paramref name="into"/> (at least <see cref="Width"/> long).</summary>
    public void Read(int index, Span<int> into)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        Decode(chunks[index / RowsPerChunk], (long)(index % RowsPerChunk) * rowBits, lowest, bits, into);
    }

    /// <summary>Field <paramref name="field"/> of row <paramref name="index"/> alone.</summary>
    public int Field(int index, int field)
    {
        var at = (long)(index % RowsPerChunk) * rowBits;
        for (var f = 0; f < field; f++)
        {
            at += bits[f];
        }

        return (int)(lowest[field] + (long)Get(chunks[index / RowsPerChunk], at, bits[field]));
    }

    /// <summary>Empties the buffer; its chunks and its fields' widths are kept for the next level.</summary>
    public void Clear()
    {
        for (var c = 0; c < chunks.Count && c * RowsPerChunk < Count; c++)
        {
            Array.Clear(chunks[c]);
        }

        Count = 0;
    }

    private bool Fits(ReadOnlySpan<int> row)
    {
        for (var f = 0; f < width; f++)
        {
            var offset = row[f] - lowest[f];
            if (offset < 0 || (ulong)offset >> bits[f] != 0)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Widens every field <paramref name="row"/> does not fit, then writes the stored rows again, chunk by chunk.</summary>
    private void Widen(ReadOnlySpan<int> row)
    {
        var (oldLowest, oldBits, oldRowBits) = ((long[])lowest.Clone(), (int[])bits.Clone(), rowBits);
        for (var f = 0; f < width; f++)
        {
            var highest = lowest[f] + (long)((1UL << bits[f]) - 1);
            if (row[f] >= lowest[f] && row[f] <= highest)
            {
                continue;
            }

            // At least double the range, so that a field drifting one value at a time widens O(log range) times.
            var span = highest - lowest[f] + 1;
            var low = Math.Max(int.MinValue, row[f] < lowest[f] ? Math.Min(row[f], lowest[f] - span) : lowest[f]);
            var high = Math.Min(int.MaxValue, row[f] > highest ? Math.Max(row[f], highest + span) : highest);
            (lowest[f], bits[f]) = (low, BitsFor(high - low));
            Widenings++;
        }

        rowBits = bits.Sum();
        var scratch = new int[width];
        for (var c = 0; c < chunks.Count; c++)
        {
            var (old, rewritten) = (chunks[c], new ulong[ChunkWords()]);
            for (var i = 0; i < RowsPerChunk && (c * RowsPerChunk) + i < Count; i++)
            {
                Decode(old, i * (long)oldRowBits, oldLowest, oldBits, scratch);
                Encode(rewritten, i * (long)rowBits, scratch);
            }

            chunks[c] = rewritten;
        }
    }

    private void Write(int index, ReadOnlySpan<int> row)
    {
        var c = index / RowsPerChunk;
        while (c >= chunks.Count)
        {
            chunks.Add(new ulong[ChunkWords()]);
        }

        Encode(chunks[c], (long)(index % RowsPerChunk) * rowBits, row);
    }

    private void Encode(ulong[] chunk, long at, ReadOnlySpan<int> row)
    {
        for (var f = 0; f < width; f++)
        {
            Put(chunk, at, bits[f], (ulong)(row[f] - lowest[f]));
            at += bits[f];
        }
    }

    private static void Decode(ulong[] chunk, long at, long[] lowest, int[] bits, Span<int> into)
    {
        for (var f = 0; f < bits.Length; f++)
        {
            into[f] = (int)(lowest[f] + (long)Get(chunk, at, bits[f]));
            at += bits[f];
        }
    }

    /// <summary>Words a chunk needs, with one spare so that a field's read of the word after its last never falls off.</summary>
    private long ChunkWords() => ((RowsPerChunk * (long)rowBits) + 63) / 64 + 1;

    private static ulong Get(ulong[] chunk, long at, int count)
    {
        if (count == 0)
        {
            return 0;
        }

        var word = (int)(at >> 6);
        var shift = (int)(at & 63);
        var value = chunk[word] >> shift;
        if (shift + count > 64)
        {
            value |= chunk[word + 1] << (64 - shift);
        }

        return value & ((1UL << count) - 1);
    }

    /// <summary>Sets <paramref name="count"/> bits at <paramref name="at"/> (they are zero: chunks start cleared).</summary>
    private static void Put(ulong[] chunk, long at, int count, ulong value)
    {
        if (count == 0)
        {
            return;
        }

        var word = (int)(at >> 6);
        var shift = (int)(at & 63);
        chunk[word] |= value << shift;
        if (shift + count > 64)
        {
            chunk[word + 1] |= value >> (64 - shift);
        }
    }

    /// <summary>Bits that hold 0..<paramref name="value"/> (at most 32: a row's fields are ints).</summary>
    private static int BitsFor(long value) => value <= 0 ? 0 : Math.Min(32, 64 - System.Numerics.BitOperations.LeadingZeroCount((ulong)value));
}
