using ClaimVerified.Model.Attribution;
using ClaimVerified.Model.Exploration;
using ClaimVerified.Model.Matrix;
using ClaimVerified.Model.Scenarios;
using ClaimVerified.Model.Traces;
using ClaimVerified.Profiles;
using ClaimVerified.Tests.Traces;

namespace ClaimVerified.Tests.Generated;

/// <summary>
/// The attribution cache: a run given the attributions this code made before takes them instead of making them again,
/// and what it then reports is what making them again reports; entries of other code, or that are not entries, are
/// never taken.
/// </summary>
public sealed class AttributionCacheTests
{
    /// <summary>A drawn cell that meets several findings in a few schedules, each attributed on a small configuration.</summary>
    private static MatrixOptions Cell(string traces, AttributionCache? cache) =>
        new([Catalogue.Xen422], [ScenarioCatalogue.RandomOperations], Iterations: 30, Strategy.Portfolio, Seed: 17, Attempts: 1, traces,
            Attributions: cache);

    [Fact]
    public void A_run_given_the_cache_takes_every_attribution_from_it_and_reports_what_making_them_again_reports()
    {
        using var scratch = new ScratchFolder("cache");
        var cache = AttributionCache.Empty();
        var made = MatrixRun.Run(Cell(Path.Combine(scratch.FullName, "made"), cache));
        var madeChunk = made.Chunks!.Single();
        Assert.NotEmpty(madeChunk.Made!);
        Assert.Equal(0, madeChunk.Reused);
        Assert.Equal(madeChunk.Made!.Count, cache.Count);

        // Saved, loaded, and given to a run of the same cell: every attribution is taken, none made.
        var file = Path.Combine(scratch.FullName, "attributions.jsonl");
        cache.Save(file);
        var loaded = AttributionCache.Load(file);
        Assert.Equal((cache.Count, 0), (loaded.Count, loaded.Stale));
        var reused = MatrixRun.Run(Cell(Path.Combine(scratch.FullName, "reused"), loaded));
        var reusedChunk = reused.Chunks!.Single();
        Assert.Empty(reusedChunk.Made!);
        Assert.Equal(madeChunk.Made!.Count, reusedChunk.Reused);
        Assert.Equal(madeChunk.Made!.Count, loaded.Hits);

        // The same cell report (but its seconds), the same findings with the same reasons, the same trace folders.
        Assert.Equal(made.Cells.Single() with { Seconds = 0 }, reused.Cells.Single() with { Seconds = 0, TraceFolder = made.Cells.Single().TraceFolder });
        Assert.Equal(madeChunk.Met.Select(Said), reusedChunk.Met.Select(Said));
        Assert.Equal(Folders(Path.Combine(scratch.FullName, "made")), Folders(Path.Combine(scratch.FullName, "reused")));

        // Saving again writes the same file: one line an attribution, in key order.
        var again = Path.Combine(scratch.FullName, "again.jsonl");
        loaded.Save(again);
        Assert.Equal(File.ReadAllText(file), File.ReadAllText(again));
    }

    [Fact]
    public void Entries_of_other_code_are_kept_out_and_counted()
    {
        using var scratch = new ScratchFolder("cache-stale");
        var entry = Entry();
        var file = Path.Combine(scratch.FullName, "attributions.jsonl");
        File.WriteAllLines(file, [Json(entry), Json(entry with { Fingerprint = "0000000000000000" }), Json(entry with { Coyote = "0.0.1", Trace = new string('b', 32) })]);
        var cache = AttributionCache.Load(file);
        Assert.Equal((1, 2), (cache.Count, cache.Stale));

        // Nor are they written back, or added from elsewhere.
        cache.Add([entry with { Fingerprint = "0000000000000000", Trace = new string('c', 32) }]);
        Assert.Equal(1, cache.Count);
        cache.Save(file);
        Assert.Single(File.ReadAllLines(file));
        Assert.Empty(cache.Made);
    }

    [Fact]
    public void A_file_that_is_not_a_cache_is_refused_saying_which_line()
    {
        using var scratch = new ScratchFolder("cache-bad");
        var file = Path.Combine(scratch.FullName, "attributions.jsonl");
        File.WriteAllLines(file, [Json(Entry()), "{not json"]);
        Assert.Contains($"{file}, line 2: not an attribution", Assert.Throws<InvalidDataException>(() => AttributionCache.Load(file)).Message, StringComparison.Ordinal);
        File.WriteAllLines(file, ["", Json(Entry() with { Trace = "short" })]);
        Assert.Contains("line 2: an attribution needs", Assert.Throws<InvalidDataException>(() => AttributionCache.Load(file)).Message, StringComparison.Ordinal);
        File.WriteAllLines(file, [Json(Entry() with { Label = "" })]);
        Assert.Contains("line 1: an attribution needs", Assert.Throws<InvalidDataException>(() => AttributionCache.Load(file)).Message, StringComparison.Ordinal);

        // A file that does not exist is an empty cache (the first run that records one), not an error.
        Assert.Equal(0, AttributionCache.Load(Path.Combine(scratch.FullName, "none.jsonl")).Count);
    }

    /// <summary>
    /// The committed cache is of this code, and says what attributing again says: no-claims' generated row (the cheapest
    /// that attributes) at its budget, every attribution made again, each found in the cache with the same answer. A cache
    /// of other code is not wrong, but every row and the main job then make all their attributions (CI about three
    /// times as long): record it again (README, "Attributions are cached by the code that made them").
    /// </summary>
    [Fact]
    public void The_committed_cache_is_of_this_code_and_says_what_attributing_again_says()
    {
        var committed = AttributionCache.Committed();
        Assert.True(File.Exists(Path.Combine(Repository.Root, AttributionCache.CommittedPath)));
        Assert.True(committed.Count > 0 && committed.Stale == 0,
            $"the committed attribution cache holds {committed.Count} attributions of this code (fingerprint {Fingerprint.Current}) and {committed.Stale} "
            + "of other code: record it again (README, \"Attributions are cached by the code that made them\")");

        using var scratch = new ScratchFolder("cache-committed");
        var row = ClaimVerified.Model.Manifest.ExpectedResults.Load().For("no-claims", ScenarioCatalogue.Generated.Name);
        var again = AttributionCache.Empty();
        MatrixRun.Run(new MatrixOptions([Catalogue.Get("no-claims")], [ScenarioCatalogue.Generated], Iterations: null, Strategy.Portfolio, Seed: 17,
            Attempts: 1, scratch.FullName, Attributions: again));
        Assert.NotEmpty(again.Made);
        foreach (var made in again.Made)
        {
            var entry = committed.Lookup(made.Key);
            Assert.True(entry is not null, $"no-claims x generated at its budget ({row.Budget}) made an attribution the committed cache lacks: {made.Key}");
            Assert.Equal((made.Label, string.Join("+", made.Findings), made.Why), (entry.Label, string.Join("+", entry.Findings), entry.Why));
        }
    }

    private static string Said(ChunkFinding m) =>
        $"{m.Property} {m.Label} [{string.Join(", ", m.Findings)}] first {m.FirstSchedule} x{m.Count}: {m.Why} / {m.Message}";

    private static CachedAttribution Entry() =>
        new(Fingerprint.Current, TraceFolder.CoyoteVersion, "xen-4.22", "random-ops", "claim-bound", new string('a', 32), Attributor.CalibrationBudget,
            Retry: true, "max-pages-ignores-claim", ["max-pages-ignores-claim"], "only the fix of max-pages-ignores-claim removes it");

    private static string Json(CachedAttribution entry) =>
        System.Text.Json.JsonSerializer.Serialize(entry, new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web));

    private static string[] Folders(string root) =>
        [.. Directory.GetDirectories(root, "*", SearchOption.AllDirectories).Select(d => Path.GetRelativePath(root, d)).Order(StringComparer.Ordinal)];
}
