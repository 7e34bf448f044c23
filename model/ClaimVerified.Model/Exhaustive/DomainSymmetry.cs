using Microsoft.Coyote.Rewriting;
using ClaimVerified.Profiles;
using ClaimVerified.Specification;
using ClaimVerified.Specification.Properties;

namespace ClaimVerified.Model.Exhaustive;

/// <summary>
/// Symmetry reduction over domains: two states that differ only by which domid each domain has are the same state up
/// to renaming, so the search keeps one of them, the orbit's canonical row, whose interchangeable domains' slots are in
/// ascending order (compared field by field). Every domain of a bound has the same operations (<see cref="SpecAlphabet"/>),
/// so a renamed state's future is the renamed future: the same properties break after as many steps.
/// </summary>
/// <remarks>
/// <para>Which domains are interchangeable: created ones (the next create always takes the next domid, so a domain not
/// yet created is not the same as one destroyed) with the same home node. An allocation for any node starts at the
/// domain's home node, its domid modulo the host's nodes (<c>Spec.TakeFromHeap</c>), so on two nodes d1 and d3 are
/// interchangeable and d1 and d2 are not; on one node every created domain is. Nodes are not reduced: allocation tries
/// them in order from the home node, so two nodes are not interchangeable either.</para>
/// <para>The reduction is sound only where no rule picks a domain by its id. Two do, and <see cref="Refusal"/> names
/// them: tmem gives up the lowest domid's ephemeral page first, and reserve_offlined_page's claim recall walks the
/// domain list in domid order (claim-sets; reference refuses the offlining instead, so it never recalls).
/// <see cref="FindAsymmetry"/> checks the rest exhaustively on small bounds (the tests run it for every profile), so
/// the table is verified rather than believed. LLC colouring is host-wide and kill-step acts on its own domain.</para>
/// <para>An orbit's size is the number of distinct rows its domains' renamings give: per home node, k! / (m1! m2! ...)
/// for k created domains of which identical ones come in groups of m1, m2, ..., multiplied over the nodes; the search
/// adds them up, so it also reports how many states the bound has with symmetry off.</para>
/// </remarks>
[SkipRewriting(SequentialOnly.Reason)]
public sealed class DomainSymmetry(PackedLayout layout, SpecAlphabet alphabet)
{
    /// <summary>Why <paramref name="profile"/> on <paramref name="bound"/> is not symmetric in its domains, or null.</summary>
    public static string? Refusal(Profile profile, SpecBound bound)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(bound);
        if (profile.Tmem && bound.Has("tmem"))
        {
            return $"{profile.Name} with tmem gives up the lowest domid's ephemeral pages first (the specification's tmem victim); "
                + "leave tmem out (without=tmem) to reduce by symmetry";
        }

        // A profile that refuses to unback a claim (OfflineKeepsClaimsBacked, reference) never gets to the recall.
        if (profile.OfflineRecallsClaims && !profile.OfflineKeepsClaimsBacked && bound.Has("offline"))
        {
            return $"{profile.Name} recalls claims from an offlined node in domid order (reserve_offlined_page's for_each_domain); "
                + "leave offlining out (without=offline) to reduce by symmetry";
        }

        return null;
    }

    /// <summary>
    /// Sorts the slots of each home node's created domains into ascending order; <paramref name="from"/> (at least
    /// MaxDomains long) gets, for each position j, the domid whose slot moved to domid j + 1.
    /// </summary>
    public void Canonicalize(Span<int> row, Span<int> from)
    {
        var created = row[layout.NextDomId] - 1;
        for (var j = 0; j < created; j++)
        {
            from[j] = j + 1;
        }

        Span<int> held = stackalloc int[layout.DomainWidth];
        for (var first = 1; first <= Math.Min(created, layout.Nodes); first++)
        {
            SortClass(row, from, held, first, created);
        }
    }

    /// <summary>Insertion sort of the slots first, first + nodes, ... (a bound has at most 8 domains, mostly in order).</summary>
    private void SortClass(Span<int> row, Span<int> from, Span<int> held, int first, int created)
    {
        var (width, stride) = (layout.DomainWidth, layout.Nodes);
        for (var d = first + stride; d <= created; d += stride)
        {
            if (Compare(Slot(row, d - stride), Slot(row, d)) <= 0)
            {
                continue;
            }

            Slot(row, d).CopyTo(held);
            var heldFrom = from[d - 1];
            var k = d;
            for (; k - stride >= first && Compare(Slot(row, k - stride), held) > 0; k -= stride)
            {
                Slot(row, k - stride).CopyTo(Slot(row, k));
                from[k - 1] = from[k - stride - 1];
            }

            held.CopyTo(Slot(row, k));
            from[k - 1] = heldFrom;
        }
    }

    /// <summary>How many distinct rows renaming the interchangeable domains of canonical <paramref name="row"/> gives.</summary>
    public long OrbitSize(ReadOnlySpan<int> row)
    {
        var created = row[layout.NextDomId] - 1;
        long size = 1;
        for (var first = 1; first <= Math.Min(created, layout.Nodes); first++)
        {
            var (count, run, arrangements) = (0, 0, 1L);
            for (var d = first; d <= created; d += layout.Nodes)
            {
                count++;
                run = d > first && Slot(row, d - layout.Nodes).SequenceEqual(Slot(row, d)) ? run + 1 : 1;
                // This node's first count slots give count!/(m1! m2! ...) rows; from one fewer, always whole.
                arrangements = arrangements * count / run;
            }

            size *= arrangements;
        }

        return size;
    }

    /// <summary>Whether renaming <paramref name="a"/> and <paramref name="b"/> into each other is a symmetry (same home node).</summary>
    public bool Interchangeable(int a, int b) => a % layout.Nodes == b % layout.Nodes;

    /// <summary>The operation of a path through canonical rows as it applies to the concrete row it stands for.</summary>
    public int Concrete(int opId, ReadOnlySpan<int> from)
    {
        var domid = alphabet.DomainOf(opId);
        return domid == 0 ? opId : alphabet.Renamed(opId, from[domid - 1]);
    }

    /// <summary>
    /// Looks for a place where renaming domains changes the future: a reachable state s (up to
    /// <paramref name="maxStates"/>, breadth first), two created domains swapped (transpositions generate every renaming)
    /// and an operation o such that o on s and the swapped o on the swapped s lead to different orbits, or such that s
    /// and the swapped s break different properties. Null when there is none: on this bound the reduction is exact.
    /// </summary>
    public static string? FindAsymmetry(Profile profile, SpecBound bound, int maxStates = 200_000)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(bound);
        var alphabet = new SpecAlphabet(profile, bound);
        var packed = new PackedSpec(profile, bound, alphabet);
        var layout = packed.Layout;
        var symmetry = new DomainSymmetry(layout, alphabet);
        var claims = new int[bound.MaxDomains + 1];
        var from = new int[Math.Max(1, bound.MaxDomains)];
        var init = layout.Encode(Spec.Init(profile, bound.Config), GhostTargets.Initial(bound.MaxDomains));
        var seen = new FingerprintSet();
        seen.Add(StateKey.OfRow(init));
        var queue = new Queue<int[]>([init]);
        while (queue.Count > 0 && seen.Count < maxStates)
        {
            var row = queue.Dequeue();
            var created = row[layout.NextDomId] - 1;
            for (var a = 1; a <= created; a++)
            {
                for (var b = a + 1; b <= created; b++)
                {
                    if (!symmetry.Interchangeable(a, b))
                    {
                        continue;
                    }

                    var swapped = symmetry.Swapped(row, a, b);
                    if (symmetry.Properties(profile, bound, row) != symmetry.Properties(profile, bound, swapped))
                    {
                        return $"swapping d{a} and d{b} changes the properties broken: {symmetry.Describe(profile, bound, row)} breaks "
                            + $"[{symmetry.Properties(profile, bound, row)}], the swapped state [{symmetry.Properties(profile, bound, swapped)}]";
                    }

                    foreach (var id in alphabet.IdsFor(row[layout.NextDomId]))
                    {
                        var (after, afterSwapped) = ((int[])row.Clone(), (int[])swapped.Clone());
                        var twin = symmetry.Concrete(id, SwapOf(a, b, created));
                        var (result, resultSwapped) = (packed.Step(after, id, claims), packed.Step(afterSwapped, twin, claims));
                        symmetry.Canonicalize(after, from);
                        symmetry.Canonicalize(afterSwapped, from);
                        if (result != resultSwapped || !after.AsSpan().SequenceEqual(afterSwapped))
                        {
                            return $"swapping d{a} and d{b} changes what '{alphabet.Operations[id].Describe()}' does from "
                                + $"{symmetry.Describe(profile, bound, row)}: {result} to {symmetry.Describe(profile, bound, after)}, but "
                                + $"'{alphabet.Operations[twin].Describe()}' on the swapped state: {resultSwapped} to {symmetry.Describe(profile, bound, afterSwapped)}";
                        }
                    }
                }
            }

            foreach (var id in alphabet.IdsFor(row[layout.NextDomId]))
            {
                var next = (int[])row.Clone();
                if (packed.Step(next, id, claims) != PackedStepResult.Unchanged && seen.Add(StateKey.OfRow(next)))
                {
                    queue.Enqueue(next);
                }
            }
        }

        return null;
    }

    /// <summary>The renaming that swaps <paramref name="a"/> and <paramref name="b"/>, as <see cref="Canonicalize"/>'s from.</summary>
    private static int[] SwapOf(int a, int b, int created)
    {
        var from = Enumerable.Range(1, Math.Max(1, created)).ToArray();
        (from[a - 1], from[b - 1]) = (b, a);
        return from;
    }

    private int[] Swapped(int[] row, int a, int b)
    {
        var swapped = (int[])row.Clone();
        row.AsSpan(layout.Domain(a), layout.DomainWidth).CopyTo(swapped.AsSpan(layout.Domain(b), layout.DomainWidth));
        row.AsSpan(layout.Domain(b), layout.DomainWidth).CopyTo(swapped.AsSpan(layout.Domain(a), layout.DomainWidth));
        return swapped;
    }

    private string Properties(Profile profile, SpecBound bound, int[] row) =>
        string.Join(",", SpecProperties.Violations(profile, layout.ToSnapshot(profile, row, bound.Config.TotalPages), known: null)
            .Select(v => v.Property).Order(StringComparer.Ordinal));

    private string Describe(Profile profile, SpecBound bound, int[] row) => SpecChecker.Counters(profile, layout.Decode(row, bound.Config).State);

    private Span<int> Slot(Span<int> row, int domid) => row.Slice(layout.Domain(domid), layout.DomainWidth);

    private ReadOnlySpan<int> Slot(ReadOnlySpan<int> row, int domid) => row.Slice(layout.Domain(domid), layout.DomainWidth);

    private static int Compare(ReadOnlySpan<int> a, ReadOnlySpan<int> b) => a.SequenceCompareTo(b);
}
