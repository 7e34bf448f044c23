namespace ClaimVerified.Model.Exhaustive;

/// <summary>
/// Why the exhaustive checker's types carry Coyote's <c>[SkipRewriting]</c>: they are single-threaded code (no task,
/// no lock, no shared state) that never runs inside a Coyote test iteration, so Coyote has nothing to control in them,
/// and the rewriter's per-call and per-branch hooks would cost the checker most of its speed (about half of it with
/// memory-location rewriting already off in coyote.json). Everything the scenarios run stays rewritten; a test
/// (PackedSpecTests) checks both halves of that.
/// </summary>
public static class SequentialOnly
{
    public const string Reason =
        "Sequential, allocation-free state-space search that never runs under Coyote's scheduler; rewriting only slows it.";
}
