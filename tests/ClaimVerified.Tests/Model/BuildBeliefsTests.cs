using ClaimVerified.Model.Monitors;

namespace ClaimVerified.Tests.Model;

/// <summary>
/// What a toolstack may believe of its build while other callers act on the same domain: stories of a builder racing a
/// claim toolstack, a reaper and a max-mem administrator, told to the guarantee monitor's memory.
/// </summary>
public sealed class BuildBeliefsTests
{
    private static readonly BuildAdmitted Builder2Claims11 = new("builder2", 1, 11, "claim");

    [Fact]
    public void A_build_admitted_after_another_callers_claim_change_returned_is_held_to_its_promise()
    {
        var beliefs = new BuildBeliefs();
        beliefs.Voiding(1, returned: false);
        beliefs.Voiding(1, returned: true);
        beliefs.Admitted(Builder2Claims11);
        Assert.Equal(Builder2Claims11, beliefs.Of(1));
    }

    [Fact]
    public void A_build_admitted_while_a_toolstacks_claim_change_is_in_flight_is_not_held_to_it()
    {
        // reference x generated at 1,000 schedules (seed 17, schedule 338): claim-toolstack1 called claim-memory d1 5,
        // builder2's claim for 11 succeeded, and then the toolstack's change landed, cutting the claim to 5. The build's
        // order-0 allocation at tot=8 failing was the toolstack's will, not a broken claim.
        var beliefs = new BuildBeliefs();
        beliefs.Voiding(1, returned: false);
        beliefs.Admitted(Builder2Claims11);
        Assert.Null(beliefs.Of(1));
        beliefs.Voiding(1, returned: true);
        Assert.Null(beliefs.Of(1));
    }

    [Fact]
    public void A_belief_is_void_from_the_call_of_a_kill_not_from_its_return()
    {
        var beliefs = new BuildBeliefs();
        beliefs.Admitted(Builder2Claims11);
        beliefs.Voiding(1, returned: false);
        Assert.Null(beliefs.Of(1));
    }

    [Fact]
    public void Overlapping_voiding_calls_keep_a_build_unbelieved_until_the_last_returns()
    {
        var beliefs = new BuildBeliefs();
        beliefs.Voiding(1, returned: false);
        beliefs.Voiding(1, returned: false);
        beliefs.Voiding(1, returned: true);
        beliefs.Admitted(Builder2Claims11);
        Assert.Null(beliefs.Of(1));
        beliefs.Voiding(1, returned: true);
        beliefs.Admitted(Builder2Claims11);
        Assert.Equal(Builder2Claims11, beliefs.Of(1));
    }

    [Fact]
    public void A_voiding_call_on_another_domain_leaves_the_build_believed()
    {
        var beliefs = new BuildBeliefs();
        beliefs.Voiding(2, returned: false);
        beliefs.Admitted(Builder2Claims11);
        Assert.Equal(Builder2Claims11, beliefs.Of(1));
        beliefs.Released(1);
        Assert.Null(beliefs.Of(1));
    }

    [Fact]
    public void Another_callers_populate_counts_from_its_call_and_at_its_return_only_what_it_populated()
    {
        // A device model populates video RAM in d1 while builder2 builds it: its page may spend d1's claim at any point
        // of the call, so it counts from the call; one that failed counts for nothing once it returned.
        var beliefs = new BuildBeliefs();
        beliefs.OtherPopulate(1, 1, donePages: null);
        Assert.Equal(1, beliefs.OthersPages(1));
        beliefs.OtherPopulate(1, 1, donePages: 1);
        beliefs.OtherPopulate(1, 1, donePages: null);
        Assert.Equal(2, beliefs.OthersPages(1));
        beliefs.OtherPopulate(1, 1, donePages: 0);
        Assert.Equal(1, beliefs.OthersPages(1));
        Assert.Equal(0, beliefs.OthersPages(2));
    }

    [Fact]
    public void Video_ram_populated_before_a_claim_set_does_not_spend_it_and_before_a_claim_of_the_target_does()
    {
        // XENMEM_claim_pages claims the target less tot_pages: a page the device model populated first is part of the
        // target. A claim set claims its entries on top of what the domain has: only pages populated after it spend it.
        foreach (var countsEarlier in new[] { true, false })
        {
            var beliefs = new BuildBeliefs();
            beliefs.OtherPopulate(1, 1, donePages: null);
            beliefs.OtherPopulate(1, 1, donePages: 1);
            beliefs.Claiming(1);
            beliefs.Admitted(new BuildAdmitted("builder1", 1, 16, "claim", countsEarlier));
            Assert.Equal(countsEarlier ? 1 : 0, beliefs.OthersPagesAgainst(1));
            beliefs.OtherPopulate(1, 1, donePages: null);
            Assert.Equal(countsEarlier ? 2 : 1, beliefs.OthersPagesAgainst(1));
            beliefs.OtherPopulate(1, 1, donePages: 0);
            Assert.Equal(countsEarlier ? 1 : 0, beliefs.OthersPagesAgainst(1));
        }
    }

    [Fact]
    public void Video_ram_whose_call_was_in_flight_when_the_claim_set_was_called_counts_against_it()
    {
        // reference, a claim set of 16 + 16 on 2 x 16: the device model's populate was called before the claim and
        // returned after it, served from the claim (free=32 out=32, then tot=1 out=31). Not counting it blamed the claim.
        var beliefs = new BuildBeliefs();
        beliefs.OtherPopulate(1, 1, donePages: null);
        beliefs.Claiming(1);
        beliefs.Admitted(new BuildAdmitted("builder1", 1, 32, "claim", targetCountsEarlierPages: false));
        beliefs.OtherPopulate(1, 1, donePages: 1);
        Assert.Equal(1, beliefs.OthersPagesAgainst(1));
    }

    [Fact]
    public void An_other_populate_that_returns_more_than_it_asked_or_was_never_called_is_refused()
    {
        var beliefs = new BuildBeliefs();
        var refused = Assert.Throws<InvalidOperationException>(() => beliefs.OtherPopulate(1, 1, donePages: 0));
        Assert.Contains("d1: another caller's populate of 1 pages returned 0 of them, with 0 counted before", refused.Message, StringComparison.Ordinal);
        beliefs.OtherPopulate(1, 1, donePages: null);
        Assert.Throws<InvalidOperationException>(() => beliefs.OtherPopulate(1, 1, donePages: 2));
        Assert.Equal(1, beliefs.OthersPages(1));
    }

    [Fact]
    public void A_return_that_was_never_called_is_refused()
    {
        var beliefs = new BuildBeliefs();
        var refused = Assert.Throws<InvalidOperationException>(() => beliefs.Voiding(1, returned: true));
        Assert.Contains("d1: a voiding operation returned that was never called", refused.Message, StringComparison.Ordinal);
    }
}
