using ClaimVerified.Model.Attribution;
using ClaimVerified.Model.Benchmarks;
using ClaimVerified.Model.Exploration;
using ClaimVerified.Model.Generation;
using ClaimVerified.Model.Manifest;
using ClaimVerified.Model.Matrix;
using ClaimVerified.Model.Monitors;
using ClaimVerified.Model.Scenarios;
using ClaimVerified.Profiles;
using ClaimVerified.Specification.Properties;
using ClaimVerified.Tests.Traces;

namespace ClaimVerified.Tests.Generated;

/// <summary>
/// A schedule that goes on past its violations (<see cref="ExplorationOptions.Continue"/>), as stories: it explores the
/// very schedules a run that stops explores, with the same first violations; it shows the later ones a stopped schedule
/// hides; each of those replays, judged by its own property alone, to itself, and is attributed by its own fixes, not
/// credited to every fix that leaves the first one in place. Design: docs/research/issue-13-continuing-past-a-violation.md.
/// </summary>
public sealed class ContinuingPastViolationsTests
{
    /// <summary>xen-4.3's generated family at the manifest's seed: many schedules break several properties.</summary>
    private static readonly Profile Profile = Catalogue.Xen43;

    private static readonly Scenario Drawn = ScenarioCatalogue.Generated;

    private const uint Schedules = 130;

    private static readonly Lazy<WholeBudgetResult> Stopping = new(() => WholeBudget.Explore(Profile, Drawn, new ExplorationOptions(Schedules)));

    private static readonly Lazy<WholeBudgetResult> Continuing = new(() =>
        WholeBudget.Explore(Profile, Drawn, new ExplorationOptions(Schedules, Continue: true)));

    /// <summary>The violations a continued schedule recorded after its first.</summary>
    private static IEnumerable<MetViolation> Later => Continuing.Value.Violations.Where(v => v.Recorded is not null && v.Recorded != v.Result.Violations[0]);

    [Fact]
    public void A_schedule_that_goes_on_explores_the_same_schedules_with_the_same_first_violations()
    {
        var stopping = Stopping.Value;
        var continuing = Continuing.Value;
        Assert.Equal(stopping.Schedules, continuing.Schedules);
        Assert.Equal(stopping.Violations.Select(v => (v.ScheduleIndex, v.Result.BugMessage)),
            continuing.Violations.Where(v => v.Recorded == v.Result.Violations[0]).Select(v => (v.ScheduleIndex, v.Result.BugMessage)));
        // The first recorded violation is the bug Coyote holds, and each property is recorded once a schedule.
        Assert.All(continuing.Violations, v => Assert.Equal(v.Result.BugMessage, v.Result.Violations[0].Message));
        Assert.All(continuing.Violations.GroupBy(v => v.ScheduleIndex), s => Assert.Equal(s.Count(), s.Select(v => v.Property).Distinct().Count()));

        // Positive space: the later violations a stopped schedule hides (claim-bound, admin-view, no-leak after another).
        Assert.True(Later.Count() >= 10, $"{Later.Count()} later violations in {Schedules} schedules");
        Assert.Contains(Later, v => v.Property == PropertyIds.NoLeak);
        // Negative space: a run that stops hides them; it reports no later property of any of those schedules.
        Assert.All(Later, later => Assert.DoesNotContain(stopping.Violations, v => v.ScheduleIndex == later.ScheduleIndex && v.Property == later.Property));
    }

    [Fact]
    public void Every_later_violation_replays_judged_by_its_own_property_alone_to_its_own_message()
    {
        Assert.NotEmpty(Later);
        foreach (var later in Later.Take(5))
        {
            var trace = later.Result.ReproducibleTrace!;
            Assert.Equal(later.Message, Explorer.Replay(Profile, Drawn, trace, only: later.Property).Result.BugMessage);
            // Negative space: judged by every property, the replay ends at the schedule's first violation.
            Assert.Equal(later.Result.Violations[0].Message, Explorer.Replay(Profile, Drawn, trace).Result.BugMessage);
        }
    }

    [Fact]
    public void A_later_violation_is_attributed_by_its_own_fixes_not_credited_to_every_fix_that_leaves_the_first_in_place()
    {
        // A claim-bound that broke after the split window's claims-backed in the same schedule: max_pages' finding alone.
        var later = Later.First(v => v.Property == PropertyIds.ClaimBound && v.Result.Violations[0].Property == PropertyIds.ClaimsBacked);
        var attributed = Attributor.Attribute(Profile, Drawn, later);
        Assert.Equal("max-pages-ignores-claim", attributed.Label);
        // Negative space: the dying domain's fix leaves the first violation in place. Replayed judged by every property,
        // that replay ended at the first violation, before claim-bound, on the same calls: it passed for a removal.
        Assert.False(Attributor.Removes(Profile, Drawn, later, ["claim-on-dying-domain-leaks"], budget: 50));
        Assert.True(Attributor.Removes(Profile, Drawn, later, ["max-pages-ignores-claim"], budget: 50));
    }

    [Fact]
    public void A_fix_removes_the_violation_at_its_point_though_the_property_breaks_again_further_on()
    {
        // xen-4.13's generated family, the table's 4th seed, schedule 48: an observer's physinfo shows free memory below
        // the outstanding claims, which offlining caused. With offlining's fix the same calls hold it there; claims-backed
        // breaks after them, and admin-view further on still (the split window). Judged alone, that later break is
        // another violation, not this one again: offlining alone removes it (judged by every property, the replay ended
        // at claims-backed, which said the same; a rule counting any later break would name a compound).
        var profile = Catalogue.Get("xen-4.13");
        var violation = WholeBudget.Explore(profile, Drawn, new ExplorationOptions(48, Strategy.Portfolio, CheckerPower.SeedFor(3)))
            .Violations.Single(v => v.ScheduleIndex == 48);
        Assert.Equal(PropertyIds.AdminView, violation.Property);
        var trace = violation.Result.ReproducibleTrace!;
        var breaksAt = Explorer.Replay(profile, Drawn, trace).World!.History.Entries.Count;
        var offlining = FindingFixes.Get("offline-unbacks-claims")!;
        var (again, world) = Explorer.Replay(FindingFixes.Apply(profile, [offlining]), Drawn, trace, only: PropertyIds.AdminView);
        Assert.Equal(PropertyIds.AdminView, again.PropertyId);
        Assert.True(world!.History.Entries.Count > breaksAt, $"broke again at {world.History.Entries.Count} entries, first at {breaksAt}");
        Assert.Equal("offline-unbacks-claims", Attributor.Attribute(profile, Drawn, violation).Label);
        // Negative space: a fix that leaves the point as it was does not remove it.
        Assert.False(Attributor.Removes(profile, Drawn, violation, ["max-pages-ignores-claim"], budget: 50));
    }

    [Fact]
    public void A_run_that_goes_on_records_each_property_once_and_asserts_its_first_at_its_end_or_at_a_terminal_one()
    {
        var log = new ViolationLog();
        var frozen = 0;
        var run = new WatchedRun(Profile, "story", PropertyJudge.Default, () => frozen++, log);
        Assert.Null(run.Violated(new PropertyViolation(PropertyIds.ClaimBound, "first"), "seen by a"));
        Assert.Null(run.Violated(new PropertyViolation(PropertyIds.ClaimBound, "again"), "seen by b"));
        Assert.Null(run.Violated(new PropertyViolation(PropertyIds.Release, "second"), "seen by c"));
        Assert.Equal([PropertyIds.ClaimBound, PropertyIds.Release], log.Entries.Select(e => e.Property));
        Assert.Contains("first (seen by a)", log.Entries[0].Message, StringComparison.Ordinal);
        Assert.Equal(0, frozen);
        Assert.False(log.Asserted);

        // A terminal property ends the run at once, asserting the first violation; both stay in the log.
        var message = run.Violated(new PropertyViolation(PropertyIds.Conservation, "pages invented"), "seen by d");
        Assert.Equal(log.Entries[0].Message, message);
        Assert.Equal(PropertyIds.Conservation, log.Entries[^1].Property);
        Assert.True(log.Asserted);
        Assert.Equal(1, frozen);

        // At the end, a run that recorded violations asserts its first; one that recorded none asserts nothing.
        var ended = new ViolationLog();
        var quiet = new WatchedRun(Profile, "story", PropertyJudge.Default, () => { }, ended);
        Assert.Null(quiet.Ended());
        quiet.Violated(new PropertyViolation(PropertyIds.NoLeak, "leak"), "at the end");
        Assert.Contains("[no-leak]", quiet.Ended(), StringComparison.Ordinal);

        // Negative space: a run that does not go on asserts every violation at once, and has nothing to assert at its end.
        var stopping = new WatchedRun(Profile, "story", PropertyJudge.Default, () => frozen++);
        Assert.Contains("[claim-bound]", stopping.Violated(new PropertyViolation(PropertyIds.ClaimBound, "x"), "seen by a"), StringComparison.Ordinal);
        Assert.Null(stopping.Ended());
    }

    [Fact]
    public void No_finding_breaks_a_terminal_property()
    {
        // A terminal property ends a continued schedule at once: a finding breaking one would hide what follows it again.
        var manifest = ExpectedResults.Load();
        var broken = manifest.Results.SelectMany(r => r.Properties ?? []).ToHashSet(StringComparer.Ordinal);
        Assert.Contains(PropertyIds.ClaimsBacked, broken);
        Assert.Empty(broken.Intersect(ViolationLog.Terminal));
        var cached = File.ReadLines(Path.Combine(Repository.Root, AttributionCache.CommittedPath))
            .Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement.GetProperty("property").GetString()!).ToHashSet(StringComparer.Ordinal);
        Assert.Contains(PropertyIds.Guarantee, cached);
        Assert.Empty(cached.Intersect(ViolationLog.Terminal));
        // Negative space: the terminal ones are properties of the catalogue, and not every one.
        Assert.All(ViolationLog.Terminal, id => Assert.True(PropertyCatalogue.Contains(id)));
        Assert.True(ViolationLog.Terminal.Count < PropertyCatalogue.All.Count);
    }

    [Fact]
    public void A_judge_that_goes_on_passes_over_what_its_run_recorded_and_cannot_be_made_twice()
    {
        var log = new ViolationLog();
        var judge = PropertyJudge.Only(PropertyIds.Guarantee).ContinuingWith(log);
        var failed = new AllocationFailed("builder1", 1, totPages: 2, Errno.ENOMEM, node: 0);
        var admitted = new BuildAdmitted("builder1", 1, targetPages: 5, "claim");
        Assert.NotNull(judge.Guarantee(failed, admitted));
        log.Record(PropertyIds.Guarantee, "[guarantee] recorded");
        Assert.Null(judge.Guarantee(failed, admitted));
        // Negative space: the plain judge still sees it; a continuing judge cannot continue into a second log.
        Assert.NotNull(PropertyJudge.Default.Guarantee(failed, admitted));
        Assert.Throws<InvalidOperationException>(() => judge.ContinuingWith(new ViolationLog()));
    }

    [Fact]
    public void A_continued_seed_keeps_its_mode_in_the_ledger_and_is_never_reused_for_the_other()
    {
        using var folder = new ScratchFolder("ledger-continue");
        var path = Path.Combine(folder.FullName, "seeds.jsonl");
        var options = new TimeToFindingOptions { Profiles = ["no-claims"], Seeds = 1, Cap = 3, Ledger = SeedLedger.Open(path) };
        TimeToFinding.Measure(options);
        TimeToFinding.Measure(options with { Continue = true, Ledger = SeedLedger.Open(path) });
        var lines = File.ReadAllLines(path);
        Assert.Equal(2, lines.Length);
        Assert.DoesNotContain("continued", lines[0], StringComparison.Ordinal);
        Assert.Contains("\"continued\":true", lines[1], StringComparison.Ordinal);
        var ledger = SeedLedger.Open(path);
        var stopped = ledger.Seeds[0];
        Assert.Same(ledger.Seeds[1], ledger.Find(stopped.Profile, stopped.Scenario, 0, stopped.Cap, stopped.MaxAttributions, stopped.Expected, continued: true));
        Assert.Same(ledger.Seeds[0], ledger.Find(stopped.Profile, stopped.Scenario, 0, stopped.Cap, stopped.MaxAttributions, stopped.Expected));
        Assert.Contains("went on past its violations", TimeToFinding.Render([], continued: true), StringComparison.Ordinal);
        Assert.DoesNotContain("went on past", TimeToFinding.Render([]), StringComparison.Ordinal);
    }
    [Fact]
    public void A_schedule_the_step_bound_cuts_after_it_recorded_a_violation_is_an_error_not_a_lost_violation()
    {
        // Coyote ends a schedule at its step bound without a bug, so a schedule that recorded violations would not assert
        // them and the engine would go on to schedules a run that stops never explores. At the explorations' 2,000 steps no
        // generated schedule gets there (an actor makes at most 16 steps); at 7 the builder and offliner of 4.22 do. (A
        // violation judged after the cut, which a run that stops ignores too, cannot be told apart: refused all the same.)
        var profile = Catalogue.Xen422;
        var given = ScenarioCatalogue.Given(GeneratedConfig.Parse(SampleConfigs.BuilderAndOffliner, profile));
        var cut = Assert.Throws<InvalidOperationException>(() => Explorer.Explore(profile, given, new ExplorationOptions(50, MaxSteps: 7, Continue: true)));
        Assert.Contains("recorded violations but ended before their end (the step bound of 7?)", cut.Message, StringComparison.Ordinal);
        // Negative space: a run that stops does not record, so has nothing to lose; nor does one that goes on at the usual bound.
        Assert.Contains("[claims-backed]", Explorer.Explore(profile, given, new ExplorationOptions(50, MaxSteps: 7)).BugMessage, StringComparison.Ordinal);
        Assert.True(Explorer.Explore(profile, given, new ExplorationOptions(50, Continue: true)).BugFound);
    }
}
