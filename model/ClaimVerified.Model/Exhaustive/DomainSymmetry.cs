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
/// <para>Which domains are interchangeable: every created one (the next create always takes the next domid, so a
/// domain not yet created is not the same as one destroyed). Where an allocation for any node starts is in the
/// domain's own slot (its last_alloc_node, <c>Spec.TakeFromHeap</c>), not in its id; until item 2 of issue 14 it was
/// the domid modulo the nodes, and only domains with the same such home node were interchangeable. Nodes are not
/// reduced: allocation tries them in order from a start node, so two nodes are not interchangeable.</para>
/// <para>The reduction is sound only where no rule picks a domain by its id. Two do, and <see cref="Refusal"/> names
/// them: tmem gives up the lowest domid's ephemeral page first, and reserve_offlined_page's claim recall walks the
/// domain list in domid order (claim-sets; reference refuses the offlining instead, so it never recalls).
/// <see cref="FindAsymmetry"/> checks the rest exhaustively on small bounds (the tests run it for every profile), so
/// the table is verified rather than believed. LLC colouring is host-wide and kill-step acts on its own domain.</para>
/// <para>An orbit's size is the number of distinct rows its domains' renamings give: k! / (m1! m2! ...) for k created
/// domains of which identical ones come in groups of m1, m2, ...; the search adds them up, so it also reports how many
/// states the bound has with symmetry off.</para>
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
    /// Sorts the slots of the created domains into ascending order (insertion sort: a bound has at most 8 domains,
    /// mostly in order); <paramref name="from"/> (at least MaxDomains long) gets, for each position j, the domid whose
    /// slot moved to domid j + 1.
    /// </summary>
    public void Canonicalize(Span<int> row, Span<int> from)
    {
        var created = row[layout.NextDomId] - 1;
        for (var j = 0; j < created; j++)
        {
            from[j] = j + 1;
        }

        Span<int> held = stackalloc int[layout.DomainWidth];
        for (var d = 2; d <= created; d++)
        {
            if (Compare(Slot(row, d - 1), Slot(row, d)) <= 0)
            {
                continue;
            }

            Slot(row, d).CopyTo(held);
            var heldFrom = from[d - 1];
            var k = d;
            for (; k > 1 && Compare(Slot(row, k - 1), held) > 0; k--)
            {
                Slot(row, k - 1).CopyTo(Slot(row, k));
                from[k - 1] = from[k - 2];
            }

            held.CopyTo(Slot(row, k));
            from[k - 1] = heldFrom;
        }
    }

    /// <summary>How many distinct rows renaming the domains of canonical <paramref name="row"/> gives.</summary>
    public long OrbitSize(ReadOnlySpan<int> row)
    {
        var created = row[layout.NextDomId] - 1;
        var (run, arrangements) = (0, 1L);
        for (var d = 1; d <= created; d++)
        {
            run = d > 1 && Slot(row, d - 1).SequenceEqual(Slot(row, d)) ? run + 1 : 1;
            // The first d slots give d!/(m1! m2! ...) rows; from one fewer, always whole.
            arrangements = arrangements * d / run;
        }

        return arrangements;
    }

    /// <summary>Whether renaming <paramref name="a"/> and <paramref name="b"/> into each other is a symmetry: always, since
    /// nothing a rule reads depends on a domain's id (where <see cref="Refusal"/> allows the reduction).</summary>
    public static bool Interchangeable(int a, int b) => a > 0 && b > 0;

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
                    if (!Interchangeable(a, b))
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
