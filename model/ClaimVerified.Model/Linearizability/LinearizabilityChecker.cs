using System.Diagnostics;
using System.Globalization;
using System.Text;
using ClaimVerified.Model.Exhaustive;
using ClaimVerified.Model.Workloads;
using ClaimVerified.Profiles;
using ClaimVerified.Specification;

namespace ClaimVerified.Model.Linearizability;

/// <summary>Budgets of one linearizability check.</summary>
/// <param name="MaxEntries">Histories with more operations are not checked (Unknown).</param>
/// <param name="MaxSteps">Specification steps the search may take before giving up (Unknown).</param>
/// <param name="MaxSeconds">Wall-clock budget of the search (Unknown when exceeded).</param>
/// <param name="Minimise">Whether a non-linearizable history is cut down to a small sub-history as evidence.</param>
public sealed record LinearizabilityOptions(int MaxEntries = History.MaxEntries, long MaxSteps = 5_000_000, double MaxSeconds = 10, bool Minimise = true)
{
    public static LinearizabilityOptions Default { get; } = new();
}

public enum LinearizabilityStatus
{
    /// <summary>Some total order consistent with real time, replayed through the specification, gives every observed result.</summary>
    Linearizable,

    /// <summary>No such order exists: the concurrent core did something no sequential run of the specification does.</summary>
    NotLinearizable,

    /// <summary>A budget ran out before the search decided.</summary>
    Unknown,
}

/// <summary>One operation of a history as the checker sees it (a JSON-friendly copy of the history entry).</summary>
public sealed record LinearizableOperation(int Index, string Actor, string Operation, int CallStep, int ReturnStep, string Result);

/// <summary>
/// The verdict on one history. For <see cref="LinearizabilityStatus.NotLinearizable"/>, <see cref="Evidence"/> is a
/// small sub-history (operations of the execution with their observed results) that still has no linearization.
/// </summary>
public sealed record LinearizabilityResult(
    LinearizabilityStatus Status,
    int Operations,
    long Steps,
    TimeSpan Elapsed,
    string? Reason,
    IReadOnlyList<LinearizableOperation> Evidence)
{
    public string Verdict => Status switch
    {
        LinearizabilityStatus.Linearizable => "linearizable",
        LinearizabilityStatus.NotLinearizable => $"not linearizable (evidence: {Evidence.Count} operations)",
        _ => $"unknown ({Reason})",
    };

    public string Render()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{Operations} operations, {Steps} spec steps, {Elapsed.TotalMilliseconds:0} ms: {Verdict}");
        if (Evidence.Count > 0)
        {
            text.AppendLine().Append(LinearizabilityChecker.RenderTable(Evidence));
        }

        return text.ToString();
    }
}

/// <summary>
/// Linearizability of a history of the concurrent core against the sequential specification: the Wing &amp; Gong search
/// with Lowe's memoisation, as Porcupine does it. Calls and returns form one list in real-time order; the search
/// repeatedly linearizes a pending call whose result the specification reproduces (skipping (set of linearized
/// operations, specification state) pairs already seen), and backtracks when it meets a return it has not
/// linearized. Operations without structured data (audits) are ignored: they change nothing.
/// </summary>
public static class LinearizabilityChecker
{
    /// <param name="sees">
    /// Where a result carries more than its <see cref="Outcome"/> (a query's every counter, as an implementation checked
    /// through the protocol answers it): whether the entry's observation is what the specification shows in the state
    /// after its step. Null: the outcome alone decides.
    /// </param>
    public static LinearizabilityResult Check(Profile profile, HostConfig config, IReadOnlyList<HistoryEntry> history,
        LinearizabilityOptions? options = null, Func<HistoryEntry, SpecState, bool>? sees = null)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(history);
        options ??= LinearizabilityOptions.Default;
        var stopwatch = Stopwatch.StartNew();
        var ops = history.Where(e => e.Call is not null).OrderBy(e => e.CallStep).ToArray();
        if (ops.Length > options.MaxEntries)
        {
            return new LinearizabilityResult(LinearizabilityStatus.Unknown, ops.Length, 0, stopwatch.Elapsed,
                $"{ops.Length} operations > {options.MaxEntries}", []);
        }

        var budget = new Budget(options, stopwatch);
        var (status, steps) = Search(profile, config, ops, budget, sees);
        IReadOnlyList<HistoryEntry> evidence = [];
        if (status == LinearizabilityStatus.NotLinearizable)
        {
            evidence = options.Minimise ? Minimise(profile, config, ops, budget, sees) : ops;
        }

        stopwatch.Stop();
        return new LinearizabilityResult(status, ops.Length, budget.Steps, stopwatch.Elapsed,
            status == LinearizabilityStatus.Unknown ? budget.Reason : null,
            evidence.Select(ToOperation).ToArray());
    }

    /// <summary>A table of operations by thread (actor columns), rows in call order, each cell "[call-return] op -> result".</summary>
    public static string RenderTable(IReadOnlyList<LinearizableOperation> operations)
    {
        ArgumentNullException.ThrowIfNull(operations);
        var actors = operations.Select(o => o.Actor).Distinct().ToArray();
        var cells = operations.OrderBy(o => o.CallStep)
            .Select(o => (Column: Array.IndexOf(actors, o.Actor), Text: $"[{o.CallStep}-{o.ReturnStep}] {o.Operation} -> {o.Result}"))
            .ToArray();
        var widths = actors.Select((a, i) => Math.Max(a.Length, cells.Where(c => c.Column == i).Select(c => c.Text.Length).DefaultIfEmpty(0).Max()))
            .ToArray();
        var text = new StringBuilder();
        text.AppendLine(string.Join(" | ", actors.Select((a, i) => a.PadRight(widths[i]))).TrimEnd());
        text.AppendLine(string.Join("-+-", widths.Select(w => new string('-', w))));
        foreach (var (column, cell) in cells)
        {
            text.AppendLine(string.Join(" | ", actors.Select((_, i) => (i == column ? cell : "").PadRight(widths[i]))).TrimEnd());
        }

        return text.ToString().TrimEnd();
    }

    private static LinearizableOperation ToOperation(HistoryEntry e) =>
        new(e.Index, e.Actor, e.Operation, e.CallStep, e.ReturnStep, e.Result.ToString());

    /// <summary>
    /// A smaller witness, dropping only operations whose removal cannot make the rest impossible: operations called
    /// after every other one returned (a linearization puts them last), then queries (they change nothing), each only
    /// while the rest still has no linearization. Every operation that may change state stays, failed ones included:
    /// a failure can change the host (a kill's continuation answers ERESTART having released the claim; assign_pages
    /// refuses pages after the heap section redeemed the claim), a later result may depend on it, and without it the
    /// witness would fail for another reason (a physinfo left alone with what the dropped calls did).
    /// </summary>
    private static IReadOnlyList<HistoryEntry> Minimise(Profile profile, HostConfig config, HistoryEntry[] ops, Budget budget,
        Func<HistoryEntry, SpecState, bool>? sees)
    {
        var current = ops.ToList();
        while (current.Count > 1 && !budget.Exhausted)
        {
            var latest = current.MaxBy(e => e.CallStep)!;
            var rest = current.Where(e => !ReferenceEquals(e, latest)).ToArray();
            if (latest.CallStep < rest.Max(e => e.ReturnStep)
                || Search(profile, config, rest, budget, sees).Status != LinearizabilityStatus.NotLinearizable)
            {
                break;
            }

            current = rest.ToList();
        }

        for (var i = current.Count - 1; i >= 0 && !budget.Exhausted; i--)
        {
            if (current[i].Call is not (Specification.PhysInfo or GetDomainInfo))
            {
                continue;
            }

            var candidate = current.Where((_, j) => j != i).ToArray();
            if (Search(profile, config, candidate, budget, sees).Status == LinearizabilityStatus.NotLinearizable)
            {
                current = candidate.ToList();
            }
        }

        return current;
    }

    private sealed class Budget(LinearizabilityOptions options, Stopwatch stopwatch)
    {
        public long Steps { get; private set; }

        public string? Reason { get; private set; }

        public bool Exhausted => Reason is not null;

        public bool Spend()
        {
            Steps++;
            if (Steps > options.MaxSteps)
            {
                Reason ??= $"step budget {options.MaxSteps}";
            }
            else if ((Steps & 0x3FF) == 0 && stopwatch.Elapsed.TotalSeconds > options.MaxSeconds)
            {
                Reason ??= $"time budget {options.MaxSeconds} s";
            }

            return !Exhausted;
        }
    }

    /// <summary>A call or return event in the doubly linked real-time list.</summary>
    private sealed class Node
    {
        public required int Op { get; init; }

        public required bool IsCall { get; init; }

        public Node? Match { get; set; }

        public Node? Prev { get; set; }

        public Node? Next { get; set; }
    }

    private static (LinearizabilityStatus Status, long Steps) Search(Profile profile, HostConfig config, HistoryEntry[] ops, Budget budget,
        Func<HistoryEntry, SpecState, bool>? sees)
    {
        var head = EventList(ops);
        var words = new ulong[(ops.Length + 63) / 64];
        var cache = new HashSet<(UInt128, UInt128)>();
        var stack = new Stack<(Node Call, SpecState Before)>();
        var state = Spec.Init(profile, config);
        var entry = head.Next;
        var startSteps = budget.Steps;
        while (head.Next is not null)
        {
            if (!budget.Spend())
            {
                return (LinearizabilityStatus.Unknown, budget.Steps - startSteps);
            }

            if (entry!.IsCall)
            {
                var op = ops[entry.Op];
                var (result, next) = Spec.Step(profile, state, op.Call!);
                if (result == op.Result && (sees is null || sees(op, next)))
                {
                    words[entry.Op / 64] |= 1UL << (entry.Op % 64);
                    if (cache.Add((StateKey.OfBits(words), StateKey.Of(next, []))))
                    {
                        stack.Push((entry, state));
                        state = next;
                        Lift(entry);
                        entry = head.Next;
                        continue;
                    }

                    words[entry.Op / 64] &= ~(1UL << (entry.Op % 64));
                }

                entry = entry.Next;
            }
            else
            {
                if (stack.Count == 0)
                {
                    return (LinearizabilityStatus.NotLinearizable, budget.Steps - startSteps);
                }

                var (call, before) = stack.Pop();
                state = before;
                words[call.Op / 64] &= ~(1UL << (call.Op % 64));
                Unlift(call);
                entry = call.Next;
            }
        }

        return (LinearizabilityStatus.Linearizable, budget.Steps - startSteps);
    }

    /// <summary>
    /// The history as Wing &amp; Gong's doubly linked list of call and return events in real-time order, behind a
    /// sentinel head; each call links to its return. Steps are distinct, so ordering by step is total.
    /// </summary>
    private static Node EventList(HistoryEntry[] ops)
    {
        var events = new List<(int Step, Node Node)>();
        for (var i = 0; i < ops.Length; i++)
        {
            var call = new Node { Op = i, IsCall = true };
            var ret = new Node { Op = i, IsCall = false };
            call.Match = ret;
            events.Add((ops[i].CallStep, call));
            events.Add((ops[i].ReturnStep, ret));
        }

        events.Sort((a, b) => a.Step.CompareTo(b.Step));
        var head = new Node { Op = -1, IsCall = false };
        var last = head;
        foreach (var (_, node) in events)
        {
            node.Prev = last;
            last.Next = node;
            last = node;
        }

        return head;
    }

    private static void Lift(Node call)
    {
        call.Prev!.Next = call.Next;
        if (call.Next is not null)
        {
            call.Next.Prev = call.Prev;
        }

        var ret = call.Match!;
        ret.Prev!.Next = ret.Next;
        if (ret.Next is not null)
        {
            ret.Next.Prev = ret.Prev;
        }
    }

    private static void Unlift(Node call)
    {
        var ret = call.Match!;
        ret.Prev!.Next = ret;
        if (ret.Next is not null)
        {
            ret.Next.Prev = ret;
        }

        call.Prev!.Next = call;
        if (call.Next is not null)
        {
            call.Next.Prev = call;
        }
    }
}
