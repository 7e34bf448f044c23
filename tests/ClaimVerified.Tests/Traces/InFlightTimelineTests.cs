using ClaimVerified.Model.Traces;
using ClaimVerified.Profiles;

namespace ClaimVerified.Tests.Traces;

/// <summary>What a timeline shows of a call that had not returned when the property broke.</summary>
public sealed class InFlightTimelineTests
{
    [Fact]
    public void A_call_in_flight_when_the_history_froze_is_on_the_timeline_and_one_that_returned_is_not_in_flight()
    {
        var host = new ClaimVerified.Host(Catalogue.Reference, new HostConfig(1, 4));
        var history = new ClaimVerified.Model.Workloads.History();
        var audit = history.BeginCall("observer", "audit");
        var flush = history.BeginCall("guest", "tmem-flush d1 persistent");
        history.Return("observer", "audit", audit, ClaimVerified.Outcome.Ok(), host.Snapshot());
        history.Freeze();
        // Returns after the violation are not part of the counterexample: the flush stays in flight.
        history.Return("guest", "tmem-flush d1 persistent", flush, ClaimVerified.Outcome.Ok(), host.Snapshot());

        var pending = Assert.Single(history.Pending);
        Assert.Equal(("guest", "tmem-flush d1 persistent", flush), (pending.Actor, pending.Operation, pending.CallStep));
        Assert.Single(history.Entries);

        var timeline = new Timeline("reference", "t", "[admin-view] seen by observer", history.Entries, inFlight: history.Pending);
        Assert.Equal(["observer", "guest"], timeline.Actors);
        var inFlight = Assert.Single(timeline.Events, e => e.Kind == TimelineEventKind.InFlight);
        Assert.Equal(("guest", flush), (inFlight.Actor, inFlight.Step));
        var text = TimelineText.Render(timeline);
        Assert.Contains("┌⋯ tmem-flush d1 persistent", text, StringComparison.Ordinal);
        Assert.Contains("called and not returned when the property broke", text, StringComparison.Ordinal);
        Assert.Contains("tmem-flush d1 persistent (in flight)", TimelineMermaid.Render(timeline), StringComparison.Ordinal);

        // Nothing in flight: no mark and no legend.
        var whole = new Timeline("reference", "t", "[admin-view] seen by observer", history.Entries);
        Assert.DoesNotContain(whole.Events, e => e.Kind == TimelineEventKind.InFlight);
        Assert.DoesNotContain("┌⋯", TimelineText.Render(whole), StringComparison.Ordinal);
    }
}
