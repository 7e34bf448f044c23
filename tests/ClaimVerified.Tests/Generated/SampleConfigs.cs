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
}
