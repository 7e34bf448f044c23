namespace ClaimVerified.Model.Monitors;

/// <summary>
/// What the toolstacks of a run believe of their builds (<see cref="GuaranteeMonitor"/>'s memory): which domain was
/// admitted for how many pages, and which beliefs are void. A belief is void from a build's own release, and from the
/// call of another caller's voiding operation on its domain (a kill, a lower max_pages, a changed claim). A build admitted
/// while such an operation is in flight (called, not yet returned) is never believed: the operation may take effect after
/// the admission, and then the promise was the caller's to take back. It also counts the pages other callers populate
/// in each domain (a device model's video RAM): from their call, and at their return what they did populate. Pure
/// bookkeeping, so it is tested as a story.
/// </summary>
public sealed class BuildBeliefs
{
    /// <summary>A limit on everything: at most this many voiding operations in flight on one domain.</summary>
    public const int MaxVoidingInFlight = 1024;

    /// <summary>Each believed build, with the other callers' pages it does not answer for (fixed at its admission).</summary>
    private readonly Dictionary<int, (BuildAdmitted Build, long OthersBeforeTarget)> admitted = [];
    private readonly Dictionary<int, int> voidingInFlight = [];
    private readonly Dictionary<int, long> othersPages = [];
    private readonly Dictionary<int, long> othersDone = [];
    private readonly Dictionary<int, long> othersDoneBeforeClaim = [];

    /// <summary>
    /// Other callers' pages that spend what the believed build of <paramref name="domid"/> was promised: all of them
    /// where its target counts the pages the domain already had (<see cref="BuildAdmitted.TargetCountsEarlierPages"/>),
    /// else all but those whose call had returned before the build's claim was called (any later one may have been
    /// served from the claim, and which was cannot be told without a racy read: counting it is the lenient side).
    /// </summary>
    public long OthersPagesAgainst(int domid) => Math.Max(0, OthersPages(domid) - (admitted.TryGetValue(domid, out var belief) ? belief.OthersBeforeTarget : 0));

    /// <summary>The build of <paramref name="domid"/> is about to stake its claim (or check free memory).</summary>
    public void Claiming(int domid) => othersDoneBeforeClaim[domid] = othersDone.GetValueOrDefault(domid);

    /// <summary>
    /// Pages other callers have populated in <paramref name="domid"/>, or may be populating now (a call in flight counts
    /// in full: which of its pages it has taken cannot be known without a racy read). Domain ids are never reused.
    /// </summary>
    public long OthersPages(int domid) => othersPages.GetValueOrDefault(domid);

    /// <summary>Another caller's populate of <paramref name="domid"/> was called for <paramref name="pages"/>, or returned having populated <paramref name="donePages"/>.</summary>
    public void OtherPopulate(int domid, long pages, long? donePages)
    {
        var counted = OthersPages(domid) + (donePages is { } done ? done - pages : pages);
        if (pages < 0 || donePages is < 0 || donePages > pages || counted < 0)
        {
            throw new InvalidOperationException(
                $"d{domid}: another caller's populate of {pages} pages returned {donePages} of them, with {OthersPages(domid)} counted before");
        }

        othersPages[domid] = counted;
        othersDone[domid] = othersDone.GetValueOrDefault(domid) + (donePages ?? 0);
    }

    /// <summary>The build of <paramref name="domid"/> the toolstack believes in, or null (never admitted, or void).</summary>
    public BuildAdmitted? Of(int domid) => admitted.TryGetValue(domid, out var belief) ? belief.Build : null;

    public void Admitted(BuildAdmitted build)
    {
        ArgumentNullException.ThrowIfNull(build);
        if (voidingInFlight.GetValueOrDefault(build.Domid) == 0)
        {
            admitted[build.Domid] = (build, build.TargetCountsEarlierPages ? 0 : othersDoneBeforeClaim.GetValueOrDefault(build.Domid));
        }
    }

    public void Released(int domid) => admitted.Remove(domid);

    /// <summary>Another caller's voiding operation on <paramref name="domid"/> was called (or, <paramref name="returned"/>, returned).</summary>
    public void Voiding(int domid, bool returned)
    {
        var inFlight = voidingInFlight.GetValueOrDefault(domid) + (returned ? -1 : 1);
        if (inFlight is < 0 or > MaxVoidingInFlight)
        {
            throw new InvalidOperationException(returned
                ? $"d{domid}: a voiding operation returned that was never called"
                : $"d{domid}: more than {MaxVoidingInFlight} voiding operations in flight");
        }

        voidingInFlight[domid] = inFlight;
        admitted.Remove(domid);
    }
}
