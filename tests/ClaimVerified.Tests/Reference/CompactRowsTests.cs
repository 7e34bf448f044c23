using ClaimVerified.Model.Exhaustive;

namespace ClaimVerified.Tests.Reference;

/// <summary>
/// The packed search's compact levels (issue 15 §3): a row comes back exactly as it went in, however its fields had to
/// widen on the way, across chunk boundaries, and after the buffer is emptied for the next level.
/// </summary>
public sealed class CompactRowsTests
{
    [Fact]
    public void Rows_within_their_ceilings_come_back_exactly_and_take_only_the_bits_the_ceilings_need()
    {
        var rows = new CompactRows([3, 1, 16, 0]);
        Assert.Equal(2 + 1 + 5 + 0, rows.RowBits);
        rows.Append([3, 1, 16, 0]);
        rows.Append([0, 0, 0, 0]);
        rows.Append([2, 1, 9, 0]);

        Assert.Equal([3, 1, 16, 0], Read(rows, 0));
        Assert.Equal([0, 0, 0, 0], Read(rows, 1));
        Assert.Equal([2, 1, 9, 0], Read(rows, 2));
        Assert.Equal(9, rows.Field(2, 2));
        Assert.Equal(0, rows.Widenings);
    }

    [Fact]
    public void A_value_outside_its_field_widens_that_field_and_every_stored_row_survives()
    {
        var rows = new CompactRows([1, 1, 1]);
        var expected = new List<int[]>();
        for (var i = 0; i < 40_000; i++) // More than two chunks of 16,384 rows.
        {
            var row = new[] { i % 2, (i * 7 % 5) - 3, i / 3 % 2 }; // The middle field drifts below its range, -3..1.
            if (i == 20_000)
            {
                row = [int.MaxValue, int.MinValue, 1]; // An unlimited max_pages and an underflowed counter.
            }

            rows.Append(row);
            expected.Add(row);
        }

        Assert.InRange(rows.Widenings, 2, 8);
        Assert.Equal(31 + 32 + 1, rows.RowBits); // 0..int.MaxValue, int.MinValue..1, 0..1.
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i], Read(rows, i));
        }
    }

    [Fact]
    public void An_emptied_buffer_holds_the_next_level_without_the_last_one_showing_through()
    {
        var rows = new CompactRows([7, 7]);
        for (var i = 0; i < 20_000; i++)
        {
            rows.Append([7, 7]);
        }

        rows.Clear();
        Assert.Equal(0, rows.Count);
        rows.Append([1, 2]);
        rows.Append([0, 0]);
        Assert.Equal([1, 2], Read(rows, 0));
        Assert.Equal([0, 0], Read(rows, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => rows.Read(2, new int[2]));
        Assert.Throws<ArgumentException>(() => rows.Append([1, 2, 3]));
    }

    [Fact]
    public void A_row_of_the_example_bound_takes_38_bytes_instead_of_252()
    {
        // The example bound: 63 fields of 32 bits a row before; its ceilings give each the few bits it needs
        // (a domain's last_alloc_node one bit on two nodes and none on one, its node affinity a bit a node, whether it
        // was unpaused none unless the bound explores unpause).
        var bound = SpecBound.Parse("nodes=2 pages=16 domains=3 sizes=16,32", out _)!;
        var layout = new PackedLayout(bound.Nodes, bound.MaxDomains);
        var rows = new CompactRows(layout.Ceilings(bound));
        Assert.Equal(63, layout.Width);
        Assert.Equal(304, rows.RowBits); // 38 bytes against 252 (240 before issue 14's started flag) (RESULTS.md §7c quoted 295 bits, 37 against 216, before issue 14's placement).

        var large = SpecBound.Parse("nodes=1 pages=7 domains=3 sizes=3,7", out _)!;
        var largeLayout = new PackedLayout(large.Nodes, large.MaxDomains);
        Assert.Equal(119, new CompactRows(largeLayout.Ceilings(large)).RowBits); // The 127-million-state bound's rows (116 bits then).
    }

    private static int[] Read(CompactRows rows, int index)
    {
        var row = new int[rows.Width];
        rows.Read(index, row);
        return row;
    }
}
