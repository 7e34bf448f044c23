using Microsoft.Coyote.Runtime;

namespace ClaimVerified.Model.Workloads;

/// <summary>
/// Where an actor lets every other actor run before its next call: a scheduling point at which Coyote chooses who runs
/// next, on the actor's own thread. Not <c>await Task.Yield()</c>, which gives Coyote the same choice but makes the
/// rest of the actor a continuation, so a new controlled operation and, in Coyote 1.7.11, a new thread
/// (CoyoteRuntime.CreateControlledThread): 24 threads and about 690 context switches a drawn schedule against 10.7
/// threads and 410, 8.6 ms a schedule against 6.0 (RESULTS.md, December 6). Outside a Coyote test it does nothing.
/// </summary>
public static class Turn
{
    /// <summary>Lets the others run; complete when the scheduler gives this actor its turn back.</summary>
    public static Task PassAsync()
    {
        SchedulingPoint.Interleave();
        return Task.CompletedTask;
    }
}
