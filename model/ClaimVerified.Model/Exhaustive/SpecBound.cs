using System.Globalization;

namespace ClaimVerified.Model.Exhaustive;

/// <summary>
/// The bound of an exhaustive check: the host (nodes x pages a node, LLC colouring), how many domains may ever be
/// created, and the finite operation alphabet: creates with <see cref="CreateSizes"/> as max_pages, claims of every
/// size 0..the largest create size, populate/extra/decrease of order 0 (and 9 when a node has at least 512 pages),
/// sharing, offlining on every node, kill, destroy, max_pages set to a few values, Xen heap allocation and free, tmem
/// where the profile has it, and claim sets where it has them.
/// </summary>
/// <remarks><see cref="Without"/> leaves operation kinds out of the alphabet (see <see cref="OperationKinds"/>), so that
/// a mechanism's own violations show up when a shorter counterexample through another mechanism would hide them.
/// <see cref="With"/> adds the opt-in kinds (<see cref="OptInKinds"/>): kill-step, domain_kill's continuations, which
/// the standard bounds leave out so that their figures stay comparable (a whole kill is already in them), affinity, and
/// unpause (the toolstack's one XEN_DOMCTL_unpausedomain: sequentially it changes no count, only whether creation has
/// finished, which 4.22's stash needs a concurrent populate to show).</remarks>
public sealed record SpecBound(
    int Nodes, long PagesPerNode, int MaxDomains, IReadOnlyList<long> CreateSizes, bool LlcColouring = false,
    IReadOnlyList<string>? Without = null, IReadOnlyList<string>? With = null)
{
    /// <summary>The operation kinds only <see cref="With"/> brings in.</summary>
    public static IReadOnlyList<string> OptInKinds { get; } = ["kill-step", "affinity", "unpause"];

    /// <summary>The operation kinds <see cref="Without"/> may name.</summary>
    public static IReadOnlyList<string> OperationKinds { get; } =
        ["claim", "soft", "claimset", "populate", "extra", "decrease", "share", "offline", "tmem", "maxmem", "kill", "destroy", "xenheap"];

    public bool Has(string kind) => OptInKinds.Contains(kind) ? With?.Contains(kind) == true : Without is null || !Without.Contains(kind);

    /// <summary>The bound's text, e.g. <c>2x8 pages, 2 domains, create max 4/8</c>; <see cref="Parse"/> reads it back.</summary>
    public string Render() =>
        $"{Nodes}x{PagesPerNode} pages, {MaxDomains} domains, create max {string.Join("/", CreateSizes)}{(LlcColouring ? ", llc" : "")}"
        + (Without is { Count: > 0 } ? $", without {string.Join("/", Without)}" : "")
        + (With is { Count: > 0 } ? $", with {string.Join("/", With)}" : "");

    /// <summary>The bound in <see cref="Parse"/>'s syntax.</summary>
    public string ToArguments() =>
        $"nodes={Nodes} pages={PagesPerNode} domains={MaxDomains} sizes={string.Join(",", CreateSizes)}{(LlcColouring ? " llc" : "")}"
        + (Without is { Count: > 0 } ? $" without={string.Join(",", Without)}" : "")
        + (With is { Count: > 0 } ? $" with={string.Join(",", With)}" : "");

    public override string ToString() => Render();

    public HostConfig Config => new(Nodes, PagesPerNode, LlcColouring);

    public long LargestCreate => CreateSizes.Count == 0 ? 0 : CreateSizes.Max();

    /// <summary>A small default: <paramref name="nodes"/> x <paramref name="pages"/>, create sizes half and all of a node.</summary>
    public static SpecBound Small(int nodes, long pages, int domains) =>
        new(nodes, pages, domains, pages / 2 == pages ? [pages] : [Math.Max(1, pages / 2), pages]);

    /// <summary>Reads <c>nodes=2 pages=8 domains=2 sizes=4,8 [llc] [without=offline,maxmem]</c> (the CLI's form); null with a reason on error.</summary>
    public static SpecBound? Parse(string text, out string? error)
    {
        ArgumentNullException.ThrowIfNull(text);
        int nodes = 1, domains = 2;
        long pages = 8;
        List<long>? sizes = null;
        var llc = false;
        List<string>? without = null;
        List<string>? with = null;
        foreach (var word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = word.IndexOf('=', StringComparison.Ordinal);
            var key = eq < 0 ? word : word[..eq];
            var value = eq < 0 ? "" : word[(eq + 1)..];
            var ok = key switch
            {
                "nodes" => int.TryParse(value, CultureInfo.InvariantCulture, out nodes) && nodes is >= 1 and <= 8,
                "pages" => long.TryParse(value, CultureInfo.InvariantCulture, out pages) && pages is >= 1 and <= 1024,
                "domains" => int.TryParse(value, CultureInfo.InvariantCulture, out domains) && domains is >= 0 and <= 8,
                "sizes" => TryParseSizes(value, out sizes),
                "llc" => (llc = true) && eq < 0,
                "without" => (without = value.Split(',', StringSplitOptions.RemoveEmptyEntries).ToList()).All(OperationKinds.Contains),
                "with" => (with = value.Split(',', StringSplitOptions.RemoveEmptyEntries).ToList()).All(OptInKinds.Contains),
                _ => false,
            };
            if (!ok)
            {
                error = $"bad bound word '{word}' (expected nodes=1..8 pages=1..1024 domains=0..8 sizes=a,b,.. llc without={string.Join(",", OperationKinds)} with={string.Join(",", OptInKinds)})";
                return null;
            }
        }

        error = null;
        var bound = Small(nodes, pages, domains);
        return bound with { CreateSizes = sizes ?? bound.CreateSizes, LlcColouring = llc, Without = without, With = with };
    }

    private static bool TryParseSizes(string value, out List<long>? sizes)
    {
        sizes = [];
        foreach (var part in value.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!long.TryParse(part, CultureInfo.InvariantCulture, out var size) || size < 0 || size > 1 << 20)
            {
                return false;
            }

            sizes.Add(size);
        }

        return sizes.Count > 0;
    }
}
