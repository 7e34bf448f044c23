namespace ClaimVerified.Model.Matrix;

/// <summary>
/// The matrix's units of work taken from one queue by several processes (explore --jobs): each takes the next unit
/// that no other has taken, so a process that drew cheap units takes more of them, where a fixed slice
/// (<see cref="Shard"/>) leaves one process idle while another still has a long drawn chunk to attribute. A unit is
/// taken by creating the file named after its index in <see cref="Folder"/>, which the file system lets exactly one
/// process do; nothing waits or polls. A unit's result depends only on its own options, so which process explores it
/// changes nothing but the time, and the merge in cell and chunk order gives what one process gives.
/// </summary>
public sealed record UnitQueue(string Folder)
{
    /// <summary>
    /// The units, in the order they are offered: the drawn chunks first (each attributes what it meets, and is the
    /// longest unit of a run by far), then the staged cells, each in matrix order. Longest first keeps the run's tail short.
    /// </summary>
    public static IReadOnlyList<int> Order(IReadOnlyList<WorkUnit> units)
    {
        ArgumentNullException.ThrowIfNull(units);
        return [.. Enumerable.Range(0, units.Count).OrderBy(i => units[i].Chunk is null ? 1 : 0)];
    }

    /// <summary>The units this process takes, lazily: each is taken only when the one before it is done.</summary>
    public IEnumerable<WorkUnit> Take(IReadOnlyList<WorkUnit> units)
    {
        ArgumentNullException.ThrowIfNull(units);
        foreach (var index in Order(units))
        {
            if (TryTake(index))
            {
                yield return units[index];
            }
        }
    }

    private bool TryTake(int index)
    {
        var marker = Path.Combine(Folder, index.ToString(System.Globalization.CultureInfo.InvariantCulture));
        try
        {
            using var taken = new FileStream(marker, FileMode.CreateNew, FileAccess.Write);
            return true;
        }
        catch (IOException) when (File.Exists(marker))
        {
            // Another process took it first.
            return false;
        }
    }
}
