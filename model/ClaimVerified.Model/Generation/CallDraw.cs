using System.Globalization;
using ClaimVerified.Profiles;
using W = ClaimVerified.Model.Generation.GenerationWeights;

namespace ClaimVerified.Model.Generation;

/// <summary>
/// Draws a configuration of the random-operations mode (scenario <c>random-ops</c>) from a source of choices: a small
/// host, a few domains with their max_pages, and 2-3 caller threads, each a short sequence of public calls with
/// arguments (sizes from 0 to past the host, any of the domains), all from <see cref="GenerationWeights"/>. The calls
/// are script lines, so the configuration stays data a user can read and edit.
/// </summary>
public static class CallDraw
{
    /// <summary><paramref name="choose"/>(n) returns a number in [0, n).</summary>
    public static GeneratedConfig Draw(Profile profile, Func<int, int> choose)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(choose);
        var nodes = choose(W.TwoNodesOneIn) == 0 ? 2 : 1;
        var pagesPerNode = W.CallHostPagesPerNode[choose(W.CallHostPagesPerNode.Length)];
        var total = (int)(nodes * pagesPerNode);
        var domains = Enumerable.Range(0, 1 + choose(W.MaxCallDomains)).Select(_ => (long)choose(total + 2)).ToArray();
        var alphabet = W.CallWeights.Where(c => CallScript.NotAllowed(c.Keyword, profile) is null).ToArray();
        var threads = 2 + choose(W.MaxCallThreads - 1);
        var callers = Enumerable.Range(1, threads).Select(t => new ActorSpec(ActorKind.Caller, $"caller{t}",
            Calls: [.. Enumerable.Range(0, 1 + choose(W.MaxCallsPerThread)).Select(_ => Call(profile, alphabet, nodes, total, domains.Length, choose))]));
        return new GeneratedConfig(nodes, pagesPerNode, [.. callers], domains);
    }

    private static string Call(Profile profile, (string Keyword, int Weight)[] alphabet, int nodes, int total, int domains, Func<int, int> choose)
    {
        var keyword = Weighted(alphabet, choose);
        var d = CallScript.DomainName(choose(domains));
        string Pages() => choose(total + 2).ToString(CultureInfo.InvariantCulture);
        // A named node falls back to the others unless exact (XENMEMF_exact_node_request): both are public arguments.
        string Node() => nodes > 1 && choose(2) == 0 ? $" node={choose(nodes)}{(choose(2) == 0 ? " exact" : "")}" : "";
        string Pool() => choose(2) == 0 ? "ephemeral" : "persistent";
        return keyword switch
        {
            "claim" => $"claim {d} {Pages()}" + (profile.SoftClaims && choose(2) == 0 ? " soft" : ""),
            "claimset" => $"claimset {d} " + string.Join(" ", Enumerable.Range(0, nodes).Select(n => $"{choose(total / nodes + 2)}@node{n}")),
            // Order 1 is no extent the model has (0, 9, 18): an error path a caller may take (any argument is public),
            // drawn as often as a 4 KiB extent. Drawing 4 KiB only met a claim-bound violation on xen-4.21.0 so rare
            // that the attribution could not meet it again and called it new. The attribution now calls such a one
            // inconclusive; the draw stays as the manifest rows were measured until the weight table is re-run (issue 13).
            "populate" => $"populate {d} order={choose(2)}{Node()}",
            "decrease" => $"decrease {d} order=0",
            "maxmem" => $"maxmem {d} {Pages()}",
            "tmem-put" or "tmem-flush" => $"{keyword} {d} {Pool()} as={d}",
            "physinfo" => "physinfo",
            _ => $"{keyword} {d}",
        };
    }

    private static string Weighted((string Keyword, int Weight)[] alphabet, Func<int, int> choose)
    {
        var pick = choose(alphabet.Sum(c => c.Weight));
        foreach (var (keyword, weight) in alphabet)
        {
            if (pick < weight)
            {
                return keyword;
            }

            pick -= weight;
        }

        throw new InvalidOperationException("a weighted draw past its total");
    }
}
