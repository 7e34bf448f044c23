using System.Globalization;
using System.Text;
using ClaimVerified.Model.Exhaustive;
using ClaimVerified.Profiles;
using ClaimVerified.Specification;
using Candidate = (ClaimVerified.HostConfig Host, System.Collections.Generic.List<ClaimVerified.Specification.Operation> Path, System.Collections.Generic.HashSet<string> Rules);

namespace ClaimVerified.Model.Conformance;

/// <summary>One generated vector: its file name, the rules it exercises and its script text.</summary>
public sealed record Vector(string Name, IReadOnlyList<string> Rules, string Text);

/// <summary>What <see cref="Vectors.Generate"/> produced: the vectors, and which rules of the specification they cover.</summary>
public sealed record VectorSet(
    string Profile,
    IReadOnlyList<Vector> Vectors,
    IReadOnlyList<string> Covered,
    IReadOnlyList<string> Uncovered,
    int RulesTotal,
    int StatesExplored)
{
    public string Coverage => $"{Covered.Count}/{RulesTotal} rules";

    public string Render() =>
        $"conformance vectors for {Profile}: {Vectors.Count} scripts, {Coverage} covered ({StatesExplored} states explored)"
        + (Uncovered.Count == 0 ? "" : $"{Environment.NewLine}not reachable within the generation bounds for this profile: {string.Join(", ", Uncovered)}");
}

/// <summary>
/// Conformance vectors generated from the specification: breadth-first over the specification's states on a few
/// small hosts (one node, two nodes, LLC colouring), with an operation alphabet that includes every error path the
/// script format can express (guest callers, bad orders and nodes, negative sizes, unknown domains). The first, and
/// so shortest, path to each rule (<see cref="Rules"/>) is a candidate; a greedy set cover keeps few of them. Each is
/// written as a script whose every line carries the specification's result and counters, so that any implementation
/// can be run against it (traces/conformance/FORMAT.md).
/// </summary>
public static class Vectors
{
    /// <summary>Generates the vectors for <paramref name="profile"/> and, when <paramref name="outDir"/> is given, writes them there.</summary>
    public static VectorSet Generate(Profile profile, string? outDir = null, int maxDepth = 6, int maxStates = 20_000)
    {
        ArgumentNullException.ThrowIfNull(profile);
        var (candidates, firstSeen, states) = Explore(profile, maxDepth, maxStates);
        var (merged, errorScripts) = MergeInertErrors(profile, Cover(candidates, firstSeen));
        var vectors = merged
            .OrderBy(c => c.Host.NodeCount).ThenBy(c => c.Host.LlcColouring).ThenBy(c => c.Path.Count)
            .Select((c, i) => Write(profile, c.Host, c.Path, $"{i + 1:D2}-{(errorScripts.Contains(c.Path) ? "errors" : Slug(c.Path[^1]))}{(c.Host.NodeCount > 1 ? "-numa" : "")}{(c.Host.LlcColouring ? "-llc" : "")}", c.Rules))
            .ToArray();
        if (outDir is not null)
        {
            Save(outDir, vectors);
        }

        var covered = Rules.All.Where(firstSeen.Contains).ToArray();
        return new VectorSet(profile.Name, vectors, covered, Rules.All.Where(r => !firstSeen.Contains(r)).ToArray(), Rules.All.Count, states);
    }

    /// <summary>
    /// Breadth-first over the specification on each small host: every path that first reaches a rule is a candidate.
    /// Also returns the rules reached and the states explored.
    /// </summary>
    private static (List<Candidate> Candidates, HashSet<string> FirstSeen, int States) Explore(Profile profile, int maxDepth, int maxStates)
    {
        var hosts = new[] { new HostConfig(1, 4), new HostConfig(2, 2), new HostConfig(1, 4, LlcColouring: true) };
        var candidates = new List<Candidate>();
        var firstSeen = new HashSet<string>(StringComparer.Ordinal);
        var states = 0;
        foreach (var host in hosts)
        {
            var init = Spec.Init(profile, host);
            var visited = new HashSet<UInt128> { StateKey.Of(init, []) };
            var queue = new Queue<(SpecState State, List<Operation> Path, HashSet<string> Rules)>();
            queue.Enqueue((init, [], []));
            while (queue.Count > 0 && visited.Count < maxStates)
            {
                var (state, path, rules) = queue.Dequeue();
                foreach (var op in Alphabet(profile, host, state))
                {
                    var (result, next, stepRules) = Spec.StepWithRules(profile, state, op);
                    var hit = stepRules.Concat(Goals(state, op, result, next)).ToArray();
                    var fresh = hit.Where(r => !firstSeen.Contains(r)).ToArray();
                    var nextPath = new List<Operation>(path) { op };
                    var nextRules = new HashSet<string>(rules, StringComparer.Ordinal);
                    nextRules.UnionWith(hit);
                    if (fresh.Length > 0)
                    {
                        firstSeen.UnionWith(fresh);
                        candidates.Add((host, nextPath, nextRules));
                    }

                    if (nextPath.Count < maxDepth && visited.Add(StateKey.Of(next, [])))
                    {
                        queue.Enqueue((next, nextPath, nextRules));
                    }
                }
            }

            states += visited.Count;
        }

        return (candidates, firstSeen, states);
    }

    /// <summary>
    /// Goals besides the rules: steps that every rule can be covered without, but whose mistakes an implementation
    /// makes (impl/c's broken builds showed it). An allocation that redeems a claim, and a kill that releases one: a
    /// claim never consumed, or never released, would otherwise pass every vector. Not rules of the specification (they
    /// are not in a vector's "# Rules:" line nor in the coverage); they only make the set cover keep such a path.
    /// </summary>
    private static IEnumerable<string> Goals(SpecState before, Operation op, Outcome result, SpecState after)
    {
        // A domain's extents going round the nodes (last_alloc_node, 91c6005e01): an allocation that names no node and
        // wraps from the last node to node 0. An implementation that always starts on one node passes every rule
        // without it.
        if (op is Specification.Populate { Node: Operation.AnyNode } populate && result.IsOk && after.NodeCount > 1
            && before.Live(populate.DomId) is { } was && was.LastAllocNode == after.NodeCount - 1
            && after.Domains[populate.DomId].LastAllocNode == 0)
        {
            yield return "goal:allocation-goes-round-the-nodes";
        }

        // The affinity at work: an allocation that names no node skips the round's next node because it is outside the
        // domain's affinity (XEN_DOMCTL_setnodeaffinity). An implementation that ignores the affinity passes every rule.
        if (op is Specification.Populate { Node: Operation.AnyNode } kept && result.IsOk && after.NodeCount > 1
            && before.Live(kept.DomId) is { } d && (d.NodeAffinity & (1UL << ((d.LastAllocNode + 1) % after.NodeCount))) == 0
            && d.NodeAffinity != 0)
        {
            yield return "goal:allocation-keeps-to-the-affinity";
        }

        if (after.Outstanding >= before.Outstanding)
        {
            yield break;
        }

        if (op is Specification.Populate or AllocExtraPages && result.IsOk)
        {
            yield return "goal:allocation-redeems-claim";
        }

        if (op is DomainKill or KillContinuation or DestroyDomain)
        {
            yield return "goal:kill-releases-claim";
        }
    }

    /// <summary>Greedy set cover over the candidates' rule sets: most rules still uncovered first, then the shortest.</summary>
    private static List<Candidate> Cover(List<Candidate> candidates, HashSet<string> rules)
    {
        var uncovered = new HashSet<string>(rules, StringComparer.Ordinal);
        var chosen = new List<Candidate>();
        while (uncovered.Count > 0)
        {
            var best = candidates.MaxBy(c => (c.Rules.Count(uncovered.Contains), -c.Path.Count))!;
            chosen.Add(best);
            uncovered.ExceptWith(best.Rules);
        }

        return chosen;
    }

    /// <summary>Error paths taken straight from a fresh host change nothing: one script per host holds them all.</summary>
    private static (List<Candidate> Merged, HashSet<List<Operation>> ErrorScripts) MergeInertErrors(Profile profile, List<Candidate> chosen)
    {
        var merged = new List<Candidate>();
        var errorScripts = new HashSet<List<Operation>>();
        foreach (var group in chosen.GroupBy(c => c.Host))
        {
            var init = Spec.Init(profile, group.Key);
            var inert = group.Where(c => c.Path.Count == 1 && ReferenceEquals(Spec.Step(profile, init, c.Path[0]).Next, init)).ToArray();
            merged.AddRange(group.Except(inert));
            if (inert.Length > 0)
            {
                var rules = new HashSet<string>(inert.SelectMany(c => c.Rules), StringComparer.Ordinal);
                var path = inert.Select(c => c.Path[0]).ToList();
                errorScripts.Add(path);
                merged.Add((group.Key, path, rules));
            }
        }

        return (merged, errorScripts);
    }

    /// <summary>Replaces the vectors in <paramref name="outDir"/> with <paramref name="vectors"/>.</summary>
    private static void Save(string outDir, IEnumerable<Vector> vectors)
    {
        Directory.CreateDirectory(outDir);
        foreach (var old in Directory.GetFiles(outDir, "*.cvs"))
        {
            File.Delete(old);
        }

        foreach (var vector in vectors)
        {
            File.WriteAllText(Path.Combine(outDir, vector.Name + ".cvs"), vector.Text);
        }
    }

    /// <summary>The script line of <paramref name="op"/>, naming domains with <paramref name="name"/> (domid to name).</summary>
    public static string Line(Operation op, Func<int, string> name)
    {
        ArgumentNullException.ThrowIfNull(op);
        ArgumentNullException.ThrowIfNull(name);
        string As(Caller caller, CallerKind fallback) =>
            caller.Kind == fallback ? ""
            : caller.Kind switch
            {
                CallerKind.Xen => " as=xen",
                CallerKind.Control => " as=dom0",
                _ => $" as={name(caller.DomainId)}",
            };
        static string Node(int node, bool exact) => node == Operation.AnyNode ? "" : $" node={node}{(exact ? " exact" : "")}";
        var c = CallerKind.Control;
        return op switch
        {
            CreateDomain o => $"create {{new}} max={o.MaxPages}{As(o.Caller, c)}",
            ClaimPages o => $"claim {name(o.DomId)} {o.Pages}{(o.Soft ? " soft" : "")}{As(o.Caller, c)}",
            ClaimMemory o => $"claimset {name(o.DomId)}{string.Concat(o.Entries.Select(e => " " + e))}{As(o.Caller, c)}",
            Populate o => $"populate {name(o.DomId)} order={o.Order}{Node(o.Node, o.Exact)}{(o.Preempted ? " preempted" : "")}{As(o.Caller, c)}",
            Unpause o => $"unpause {name(o.DomId)}{As(o.Caller, c)}",
            AllocExtraPages o => $"extra {name(o.DomId)} order={o.Order}{Node(o.Node, o.Exact)}{As(o.Caller, c)}",
            DecreaseReservation o => $"decrease {name(o.DomId)} order={o.Order}{As(o.Caller, c)}",
            SharePage o => $"share {name(o.DomId)}{As(o.Caller, c)}",
            OfflinePage o => $"offline node={o.Node}{As(o.Caller, CallerKind.Xen)}",
            TmemPut o => $"tmem-put {name(o.DomId)} {o.Pool.ToString().ToLowerInvariant()}{As(o.Caller, c)}",
            TmemFlush o => $"tmem-flush {name(o.DomId)} {o.Pool.ToString().ToLowerInvariant()}{As(o.Caller, c)}",
            TmemFlushAll o => $"tmem-flush-all {o.Pages}{As(o.Caller, c)}",
            DomainKill o => $"kill {name(o.DomId)}{As(o.Caller, c)}",
            KillContinuation o => $"kill-step {name(o.DomId)}{As(o.Caller, c)}",
            DestroyDomain o => $"destroy {name(o.DomId)}{As(o.Caller, c)}",
            SetMaxPages o => $"maxmem {name(o.DomId)} {o.MaxPages}{As(o.Caller, c)}",
            SetNodeAffinity o => $"node-affinity {name(o.DomId)} {SetNodeAffinity.Show(o.Nodes)}{As(o.Caller, c)}",
            AllocXenHeap o => $"xen-alloc order={o.Order}{Node(o.Node, o.Exact)}{As(o.Caller, CallerKind.Xen)}",
            FreeXenHeap o => $"xen-free {o.Pages}{As(o.Caller, CallerKind.Xen)}",
            Specification.PhysInfo => "physinfo",
            GetDomainInfo o => $"domaininfo {name(o.DomId)}",
            _ => throw new ArgumentException($"no script form for {op.GetType().Name}", nameof(op)),
        };
    }

    private static Vector Write(Profile profile, HostConfig host, List<Operation> path, string fileName, HashSet<string> rules)
    {
        var text = new StringBuilder();
        var covered = Rules.All.Where(rules.Contains).ToArray();
        text.AppendLine(CultureInfo.InvariantCulture, $"# Conformance vector {fileName} for {profile.Name}, generated from the specification.");
        text.AppendLine(CultureInfo.InvariantCulture, $"# Rules: {string.Join(" ", covered)}");
        text.AppendLine(CultureInfo.InvariantCulture, $"host nodes={host.NodeCount} pages={host.PagesPerNode}{(host.LlcColouring ? " llc" : "")}");
        text.AppendLine(CultureInfo.InvariantCulture, $"profile {profile.Name}");
        var state = Spec.Init(profile, host);
        var names = new Dictionary<int, string>();
        var creates = 0;
        string Name(int domid) => names.TryGetValue(domid, out var n) ? n : $"dom{domid}";
        foreach (var op in path)
        {
            var before = state;
            (var result, state) = Spec.Step(profile, state, op);
            var line = Line(op, Name);
            if (op is CreateDomain)
            {
                var name = $"d{++creates}";
                line = line.Replace("{new}", name, StringComparison.Ordinal);
                if (result.IsOk)
                {
                    names[(int)result.Value] = name;
                }
            }

            var counters = ScriptRunner.HostCounters(state);
            var changed = !ReferenceEquals(before, state);
            text.AppendLine(CultureInfo.InvariantCulture,
                $"{line} -> {(result.IsOk ? "ok" : result.Errno.ToString())}{(changed ? $" free={counters["free"]} outstanding={counters["outstanding"]}" : "")}");
        }

        var all = ScriptRunner.HostCounters(state);
        var physinfo = new StringBuilder($"physinfo -> free={all["free"]} outstanding={all["outstanding"]}");
        for (var node = 0; node < host.NodeCount && host.NodeCount > 1; node++)
        {
            physinfo.Append(CultureInfo.InvariantCulture, $" free@node{node}={all[$"free@node{node}"]} outstanding@node{node}={all[$"outstanding@node{node}"]}");
        }

        physinfo.Append(CultureInfo.InvariantCulture, $" offlined={all["offlined"]} shared={all["shared"]} xenheap={all["xenheap"]}");
        text.AppendLine(physinfo.ToString());
        foreach (var (domid, name) in names.OrderBy(n => n.Key))
        {
            var d = state.Live(domid);
            text.AppendLine(d is null
                ? $"domaininfo {name} -> ESRCH"
                : $"domaininfo {name} -> tot={d.Tot} extra={d.Extra} max={d.Max} claim={d.Claim}"
                  + string.Concat(Enumerable.Range(0, host.NodeCount > 1 && profile.NodeClaims ? host.NodeCount : 0).Select(n => $" claim@node{n}={d.NodeClaims[n]}"))
                  + $" state={d.State.ToString().ToLowerInvariant()}");
        }

        return new Vector(fileName, covered, text.ToString());
    }

    private static string Slug(Operation op)
    {
        var text = op.Describe();
        var word = text.StartsWith('[') ? text[(text.IndexOf(']', StringComparison.Ordinal) + 2)..] : text;
        return word.Split(' ')[0];
    }

    /// <summary>The generation alphabet: the checker's operations plus every error path the script format can express.</summary>
    private static IEnumerable<Operation> Alphabet(Profile profile, HostConfig host, SpecState state)
    {
        var bound = new SpecBound(host.NodeCount, host.PagesPerNode, 2, [host.PagesPerNode / 2, host.PagesPerNode * host.NodeCount],
            host.LlcColouring);
        foreach (var op in SpecChecker.AlphabetFor(profile, bound, state))
        {
            yield return op;
        }

        var control = Caller.Control;
        yield return new CreateDomain(control, -1);
        yield return new CreateDomain(Caller.Guest(1), 2);
        yield return new AllocXenHeap(Caller.Xen, 3);
        yield return new AllocXenHeap(control, 0);
        yield return new FreeXenHeap(control, 1);
        yield return new FreeXenHeap(Caller.Xen, 0);
        yield return new OfflinePage(Caller.Xen, 7);
        yield return new OfflinePage(Caller.Guest(1), 0);
        yield return new TmemFlushAll(Caller.Guest(1), 1);
        yield return new TmemFlushAll(control, -1);
        yield return new TmemFlushAll(control, Host.MaxTmemFlushPages + 1);
        yield return new Specification.PhysInfo();
        const int unknown = 99;
        foreach (var domid in Enumerable.Range(1, Math.Min(state.NextDomId - 1, 2)).Append(unknown))
        {
            var guest = Caller.Guest(domid);
            var other = Caller.Guest(domid == 1 ? 2 : 1);
            yield return new GetDomainInfo(domid);
            yield return new ClaimPages(control, domid, -1);
            yield return new ClaimPages(control, domid, 1, Soft: true);
            yield return new ClaimPages(guest, domid, 1);
            yield return new ClaimPages(control, domid, 1);
            yield return new Populate(control, domid, 3);
            yield return new Populate(control, domid, 0, 7);
            yield return new Populate(other, domid, 0);
            yield return new Populate(guest, domid, 0);
            yield return new Populate(guest, domid, 0, 0); // ignored from 2fece35303: the allocator chooses
            yield return new Populate(guest, domid, 0, 0, Exact: true);
            yield return new AllocExtraPages(guest, domid, 0);
            yield return new DecreaseReservation(control, domid, 3);
            yield return new DecreaseReservation(other, domid, 0);
            yield return new SharePage(guest, domid);
            yield return new SetMaxPages(guest, domid, 1);
            yield return new SetNodeAffinity(guest, domid, 1);
            yield return new SetNodeAffinity(control, domid, 0);
            yield return new SetNodeAffinity(control, domid, 1UL << 63); // a node beyond every host: offline
            yield return new SetNodeAffinity(control, domid, 1);
            yield return new SetNodeAffinity(control, domid, ulong.MaxValue);
            yield return new SetMaxPages(control, domid, -1);
            yield return new Unpause(guest, domid);
            yield return new Unpause(control, domid);
            yield return new DomainKill(guest, domid);
            yield return new KillContinuation(control, domid);
            yield return new KillContinuation(guest, domid);
            yield return new DestroyDomain(control, domid);
            yield return new TmemPut(other, domid, TmemPool.Ephemeral);
            yield return new TmemPut(guest, domid, TmemPool.Persistent);
            yield return new TmemFlush(control, domid, TmemPool.Persistent);
            yield return new TmemFlush(control, domid, TmemPool.Ephemeral);
            yield return new ClaimMemory(control, domid, []);
            yield return new ClaimMemory(guest, domid, [new ClaimEntry(1, ClaimEntry.Global)]);
            yield return new ClaimMemory(control, domid, [new ClaimEntry(1, 0), new ClaimEntry(1, 0)]);
            yield return new ClaimMemory(control, domid, [new ClaimEntry(1, 7)]);
            yield return new ClaimMemory(control, domid, [.. Enumerable.Range(0, host.NodeCount + 2).Select(n => new ClaimEntry(1, n))]);
            yield return new ClaimMemory(control, domid, [new ClaimEntry(host.TotalPages, ClaimEntry.Global)]);
            yield return new ClaimMemory(control, domid, [new ClaimEntry(host.PagesPerNode, 0)]);
            yield return new ClaimMemory(control, domid, [new ClaimEntry(-1, 0)]);
            yield return new ClaimMemory(control, domid, [new ClaimEntry(1, ClaimEntry.Global), new ClaimEntry(0, ClaimEntry.Global)]);
            yield return new ClaimMemory(control, domid, [new ClaimEntry(1, ClaimEntry.Global), new ClaimEntry(1, ClaimEntry.Legacy)]);
            yield return new ClaimMemory(control, domid, [.. Enumerable.Range(0, ClaimEntry.MaxEntries + 1).Select(n => new ClaimEntry(0, n))]);
            yield return new ClaimMemory(control, domid, [new ClaimEntry(host.PagesPerNode, ClaimEntry.Legacy)]);
            yield return new ClaimMemory(control, domid, [new ClaimEntry(-1, ClaimEntry.Legacy)]);
        }
    }
}
