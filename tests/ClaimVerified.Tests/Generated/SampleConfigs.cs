namespace ClaimVerified.Tests.Generated;

/// <summary>Generated configurations the tests share, as a user would write them for explore --config.</summary>
internal static class SampleConfigs
{
    /// <summary>A builder claims nearly the whole host while the offliner takes free pages: offline-unbacks-claims on 4.22.</summary>
    public const string BuilderAndOffliner = """
        {"nodes":1,"pagesPerNode":8,"actors":[
          {"kind":"builder","name":"builder1","nodePages":[7],"maxPages":7},
          {"kind":"offliner","name":"offliner1","steps":2},
          {"kind":"observer","name":"admin","steps":2}]}
        """;

    /// <summary>Two callers race a claim, a populate and a kill on two domains (the random-operations mode).</summary>
    public const string TwoCallers = """
        {"nodes":1,"pagesPerNode":4,"domains":[4,2],"actors":[
          {"kind":"caller","name":"caller1","calls":["claim d1 3","populate d1 order=0","kill d1"]},
          {"kind":"caller","name":"caller2","calls":["physinfo","claim d2 2","domaininfo d1","destroy d2"]}]}
        """;

    /// <summary>
    /// A toolstack stakes a claim on d1 while d1's own populate is on its way: the page alloc_heap_pages took before the
    /// claim existed lands in tot_pages after it (claim-ignores-inflight-pages).
    /// </summary>
    public const string ClaimDuringPopulate = """
        {"nodes":1,"pagesPerNode":2,"domains":[2],"actors":[
          {"kind":"caller","name":"toolstack","calls":["claim d1 1"]},
          {"kind":"caller","name":"guest","calls":["populate d1 order=0"]}]}
        """;

    /// <summary>
    /// A toolstack stakes and changes claims on a domain its builder populates, and nobody watches (builder2 and the
    /// toolstack of xen-4.21.1's committed in-flight trace): on xen-4.21.1 a claim outlives its build (expiry) in about 1
    /// schedule in 100, seen only by the audit at a point no lock is held.
    /// </summary>
    public const string ClaimOnABuildNobodyWatches = """
        {"nodes":1,"pagesPerNode":4,"actors":[
          {"kind":"builder","name":"builder2","nodePages":[1],"maxPages":4,"style":"legacy"},
          {"kind":"claim-toolstack","name":"claim-toolstack1","steps":3}]}
        """;

    /// <summary>A guest puts a page into its persistent tmem pool while the toolstack decreases its reservation.</summary>
    public const string PutRacesDecrease = """
        {"nodes":1,"pagesPerNode":2,"domains":[2],"actors":[
          {"kind":"caller","name":"guest","calls":["tmem-put d1 persistent as=d1"]},
          {"kind":"caller","name":"toolstack","calls":["decrease d1 order=0"]}]}
        """;

    /// <summary>
    /// Choices outside Coyote for a draw (a SplitMix64 stream from a seed): deterministic, as every source of choices
    /// in this repository must be; System.Random is banned.
    /// </summary>
    public static Func<int, int> Choices(int seed)
    {
        var state = (ulong)seed * 0x9E3779B97F4A7C15UL;
        return bound =>
        {
            state += 0x9E3779B97F4A7C15UL;
            var z = state;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return (int)((z ^ (z >> 31)) % (ulong)bound);
        };
    }
}
