using ClaimVerified.Profiles;
using ClaimVerified.Model.Scenarios;

namespace ClaimVerified.Model.Matrix;

/// <summary>
/// One slice of a drawn cell's seed space: chunk k explores schedules k*size+1 .. (k+1)*size of the budget, from a seed
/// of its own derived from the run's seed and k. A chunk depends on nothing but (seed, k, size, its budget), so the chunks
/// of a large run can be explored in any order, in any process, and merged in chunk order to the same result. Chunk 0
/// keeps the run's seed, so a budget of at most one chunk explores exactly what a run without chunks explored.
/// </summary>
public sealed record SeedChunk(int Index, uint Schedules, uint Seed)
{
    /// <summary>
    /// The default size of a chunk in schedules: the time-to-finding table's default cap (bench findings --cap), above
    /// every manifest row's budget, so a row is explored in one chunk, from the manifest's seed, as the table's first
    /// seed is. A chunk attributes the first violations of each property on its own
    /// (<see cref="GeneratedCell.MaxAttributedPerProperty"/>), so chunks of 1,000 made a row of 3,000 schedules pay for
    /// three attributions of each property (seed-2012: 238 s against 42 s in one chunk, December 6).
    /// </summary>
    public const uint DefaultSize = 4000;

    /// <summary>A limit on everything: at most this many chunks in one cell.</summary>
    public const int MaxChunks = 100_000;

    /// <summary>The chunks of a budget, in order; the last one takes what is left.</summary>
    public static IReadOnlyList<SeedChunk> Of(uint budget, uint size, uint seed)
    {
        ArgumentOutOfRangeException.ThrowIfZero(size);
        var count = (int)Math.Min(MaxChunks, (budget + (ulong)size - 1) / size);
        return Enumerable.Range(0, count)
            .Select(k => new SeedChunk(k, (uint)Math.Min(size, budget - ((ulong)k * size)), SeedOf(seed, k)))
            .ToArray();
    }

    /// <summary>The seed of chunk <paramref name="index"/>: the run's own for chunk 0, a SplitMix64 mix of both otherwise.</summary>
    public static uint SeedOf(uint seed, int index)
    {
        if (index == 0)
        {
            return seed;
        }

        // Why a mix and not seed + index: neighbouring run seeds (17, 18) would share all but one chunk.
        var z = ((ulong)seed << 32 | (uint)index) + 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return (uint)(z ^ (z >> 31));
    }

    /// <summary>The schedules explored before this chunk in its cell: its offset in the cell's numbering.</summary>
    public int Offset(uint size) => checked((int)(Index * (long)size));

    /// <summary>
    /// Where chunk <paramref name="index"/> of a cell writes its trace folders: chunk 0 under the traces root itself (a
    /// run of one chunk writes where it always did), the others in a staging folder the merge moves the first of each
    /// finding out of and then deletes.
    /// </summary>
    public static string TracesRoot(string root, Profile profile, Scenario scenario, int index) =>
        index == 0 ? root : Path.Combine(StagingRoot(root, profile, scenario), index.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>The staging folder of a cell's chunks after the first.</summary>
    public static string StagingRoot(string root, Profile profile, Scenario scenario)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(scenario);
        return Path.Combine(root, StagingFolder, scenario.Name, profile.Name);
    }

    /// <summary>The folder, under a traces root, of every cell's staged chunk traces.</summary>
    public const string StagingFolder = ".chunks";
}
