using CoyoteSpecification = Microsoft.Coyote.Specifications.Specification;
using Microsoft.Coyote.SystematicTesting;
using ClaimVerified.Model.Exploration;

namespace ClaimVerified.Tests.Model;

/// <summary>
/// Coyote 1.7.11 keeps, in a static cache, every lock an iteration still held when it ended, and through it that
/// iteration's runtime, scheduler and execution graph: a long in-process run (`bench findings`, 20 seeds) grew to 17 GB.
/// <see cref="CoyoteLockCache.ReleaseStale"/> drops what finished engines left there; this story shows both the leak and
/// its release, so a Coyote that fixes the leak (the workaround may go) or moves its internals (it no longer works)
/// fails here rather than silently.
/// </summary>
[Collection(MeteredCollection.Name)]
public sealed class CoyoteLockCacheTests
{
    [Fact]
    public void A_lock_held_when_an_iteration_ends_stays_cached_until_released()
    {
        Assert.True(CoyoteLockCache.Available, "Coyote's Monitor cache or runtime map moved: CoyoteLockCache cannot release anything");
        var held = new object();
        using (var engine = TestingEngine.Create(Explorer.Configure(new ExplorationOptions(1)), () =>
        {
            // Entered and never exited (no finally to unwind): the iteration ends with the lock held.
            Monitor.Enter(held);
            CoyoteSpecification.Assert(false, "the iteration ends inside the lock");
        }))
        {
            engine.Run();
            Assert.Equal(1, engine.TestReport.NumOfFoundBugs);
        }

        Assert.True(CoyoteLockCache.Caches(held), "Coyote no longer keeps a lock held at an iteration's end: the workaround may go");
        Assert.True(CoyoteLockCache.ReleaseStale() >= 1);
        Assert.False(CoyoteLockCache.Caches(held), "the finished engine's lock is still cached after ReleaseStale");
    }

    [Fact]
    public void A_lock_released_in_the_iteration_is_not_cached()
    {
        var released = new object();
        using (var engine = TestingEngine.Create(Explorer.Configure(new ExplorationOptions(1)), () =>
        {
            lock (released)
            {
                CoyoteSpecification.Assert(true, "nothing breaks");
            }
        }))
        {
            engine.Run();
            Assert.Equal(0, engine.TestReport.NumOfFoundBugs);
        }

        Assert.False(CoyoteLockCache.Caches(released));
    }
}
