namespace ClaimVerified;

/// <summary>The machine: NUMA nodes of equal size, and whether LLC colouring is on (Xen refuses claims then).</summary>
public sealed record HostConfig(int NodeCount, long PagesPerNode, bool LlcColouring = false)
{
    /// <summary>A limit on everything: at most 64 nodes.</summary>
    public const int MaxNodeCount = 64;

    /// <summary>2^40 pages a node (4 EiB of 4 KiB pages): far beyond any machine, far below overflow.</summary>
    public const long MaxPagesPerNode = 1L << 40;

    public long TotalPages => NodeCount * PagesPerNode;

    /// <summary>Null when the configuration is sound, else what is wrong with it.</summary>
    public string? Validate() =>
        NodeCount is < 1 or > MaxNodeCount ? $"NodeCount must be 1..{MaxNodeCount}, was {NodeCount}"
        : PagesPerNode is < 0 or > MaxPagesPerNode ? $"PagesPerNode must be 0..2^40, was {PagesPerNode}"
        : null;
}
