namespace ClaimVerified.Model.Generation;

/// <summary>
/// The one weight table of the generated family, the same for every profile and agnostic of any finding: change it
/// and re-run the whole time-to-finding table (RESULTS.md). Each number is a "one in N" chance or a range drawn
/// uniformly. Swarm testing (Groce et al., ISSTA 2012): each kind is in or out with probability about 1/2, because
/// leaving features out finds bugs that all-features-on hides.
/// </summary>
public static class GenerationWeights
{
    /// <summary>Each applicable kind is present with probability 1 / this.</summary>
    public const int PresentOneIn = 2;

    /// <summary>At least this many actors that change state; a draw with fewer is drawn again.</summary>
    public const int MinStateChangers = 2;

    /// <summary>A limit on redraws: after this many, the missing state changers are builders.</summary>
    public const int MaxRedraws = 8;

    /// <summary>Pages a node: one of these (a window of one page is as real as one of 512).</summary>
    public static readonly long[] PagesPerNode = [4, 8, 12, 16];

    /// <summary>Two nodes with probability 1 / this.</summary>
    public const int TwoNodesOneIn = 2;

    /// <summary>Builders when present: 1 .. this.</summary>
    public const int MaxBuilders = 2;

    /// <summary>A builder asks for more than the host with probability 1 / this (its claim or its build must fail cleanly).</summary>
    public const int BuilderPastHostOneIn = 8;

    /// <summary>A builder's max_pages is below its size with probability 1 / this, above it with the same chance.</summary>
    public const int MaxPagesOffOneIn = 4;

    /// <summary>On a two-node host, a builder places its guest's pages on given nodes (vNUMA) with probability 1 / this.</summary>
    public const int VnumaOneIn = 2;

    /// <summary>A builder makes a soft claim (where soft claims exist) with probability 1 / this.</summary>
    public const int SoftOneIn = 2;

    /// <summary>A builder may destroy its domain at the end with probability 1 / this.</summary>
    public const int MayDestroyOneIn = 2;

    /// <summary>Calls of an actor with steps: 1 .. this.</summary>
    public const int MaxActorSteps = 3;

    /// <summary>A tmem guest's max_pages: 1 .. this.</summary>
    public const long MaxTmemPages = 8;
}
