using ClaimVerified.Model.Matrix;

namespace ClaimVerified.Tests.Generated;

/// <summary>Chunks of a drawn cell's seed space: what a shard takes, and why a one-chunk budget explores what it always did.</summary>
public sealed class SeedChunkTests
{
    [Fact]
    public void A_budget_is_cut_into_chunks_the_last_taking_what_is_left()
    {
        var chunks = SeedChunk.Of(2500, 1000, 17);
        Assert.Equal([1000u, 1000u, 500u], chunks.Select(c => c.Schedules));
        Assert.Equal([0, 1000, 2000], chunks.Select(c => c.Offset(1000)));
        Assert.Equal(2500, chunks.Sum(c => (long)c.Schedules));
    }

    [Fact]
    public void The_first_chunk_keeps_the_runs_seed_so_a_small_budget_explores_what_it_did_without_chunks()
    {
        var only = Assert.Single(SeedChunk.Of(200, 1000, 17));
        Assert.Equal(new SeedChunk(0, 200, 17), only);
    }

    [Fact]
    public void Every_chunk_has_a_seed_of_its_own_and_neighbouring_run_seeds_share_none()
    {
        var seventeen = SeedChunk.Of(100_000, 1000, 17).Select(c => c.Seed).ToArray();
        var eighteen = SeedChunk.Of(100_000, 1000, 18).Select(c => c.Seed).ToArray();
        Assert.Equal(100, seventeen.Distinct().Count());
        Assert.Empty(seventeen.Skip(1).Intersect(eighteen.Skip(1)));
        Assert.Equal(seventeen, SeedChunk.Of(100_000, 1000, 17).Select(c => c.Seed));
    }

    [Fact]
    public void A_chunk_size_of_zero_is_refused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => SeedChunk.Of(10, 0, 17));
}
