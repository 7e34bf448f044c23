using System.Collections.Immutable;
using ClaimVerified.Specification;

namespace ClaimVerified.Model.Workloads;

/// <summary>
/// A toolstack thread that stakes, changes and releases claims on any domain, the way a toolstack other than xl may:
/// the claim hypercalls do not check who built the domain or how far its build is. Each call voids the promise a
/// builder of that domain was given (a changed claim is the caller's will). Sizes are Coyote's choice, from 0 (a
/// release) to past the host; where claim sets exist it also stakes one entry per node.
/// </summary>
public static class ClaimToolstack
{
    public static async Task RunAsync(World world, string actor, int calls)
    {
        var hostPages = world.Host.TotalPages;
        for (var call = 0; call < calls; call++)
        {
            if (await world.WaitForDomainAsync(DomainTarget.Any) is not { } domid)
            {
                return;
            }

            var pages = world.Choose(4) == 0 ? 0 : world.Choose((int)Math.Min(hostPages + 2, int.MaxValue - 1));
            if (world.Profile.NodeClaims && world.Coin())
            {
                var entries = Enumerable.Range(0, world.Host.NodeCount)
                    .Select(node => new ClaimEntry(node == 0 ? pages : world.Choose((int)Math.Min(hostPages + 1, int.MaxValue - 1)), node))
                    .ToImmutableArray();
                world.DoVoidingBuild(actor, domid, new ClaimMemory(Caller.Control, domid, entries),
                    $"claim-memory d{domid} {string.Join(" ", entries)}");
            }
            else
            {
                world.DoVoidingBuild(actor, domid, new ClaimPages(Caller.Control, domid, pages));
            }

            await Turn.PassAsync();
        }
    }
}
