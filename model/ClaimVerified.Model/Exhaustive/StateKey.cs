using Microsoft.Coyote.Rewriting;
using ClaimVerified.Specification;

namespace ClaimVerified.Model.Exhaustive;

/// <summary>
/// A compact identity for a specification state: every counter of the state (and any ghost values the caller adds)
/// written into a buffer of longs in a fixed order and hashed into 128 bits. Two states with the same key are, with
/// overwhelming probability, equal (<see cref="SpecState"/>'s own value equality is the ground truth; the key is what a
/// visited set stores, 16 bytes a state). Deterministic across processes.
/// </summary>
[SkipRewriting(SequentialOnly.Reason)]
public static class StateKey
{
    /// <summary>The key of <paramref name="state"/> together with <paramref name="ghost"/> values (may be empty).</summary>
    public static UInt128 Of(SpecState state, ReadOnlySpan<long> ghost)
    {
        ArgumentNullException.ThrowIfNull(state);
        var hasher = new Hasher128();
        hasher.Add(state.NodeCount);
        AddVector(ref hasher, state.Free);
        hasher.Add(state.Outstanding);
        AddVector(ref hasher, state.NodeOutstanding);
        AddVector(ref hasher, state.XenHeap);
        hasher.Add(state.Offlined);
        hasher.Add(state.Shared);
        hasher.Add(state.NextDomId);
        AddVector(ref hasher, state.TmemFreeList);
        foreach (var d in state.Domains.Values)
        {
            hasher.Add(d.Id);
            hasher.Add((long)d.State);
            hasher.Add(d.Tot);
            hasher.Add(d.Extra);
            hasher.Add(d.Max);
            hasher.Add(d.Claim);
            AddVector(ref hasher, d.NodeClaims);
            hasher.Add(d.Soft ? 1 : 0);
            hasher.Add(d.TmemPersistent);
            AddVector(ref hasher, d.Pages);
            AddVector(ref hasher, d.TmemEphemeral);
            hasher.Add(d.LastAllocNode);
            hasher.Add(unchecked((long)d.NodeAffinity));
            hasher.Add(d.Started ? 1 : 0);
        }

        hasher.Add(-1);
        foreach (var g in ghost)
        {
            hasher.Add(g);
        }

        return hasher.Finish();
    }

    /// <summary>
    /// The key of a packed row (<see cref="PackedLayout"/>), read as 64-bit words. Two lanes, each a bijective update
    /// per word (add or xor, multiply by an odd constant, rotate) with its own constants, so a word's position matters
    /// and a one-word difference always changes both lanes; each lane is finished with MurmurHash3's fmix64. One
    /// multiply per lane per word, the two lanes independent: about a third of the cost of <see cref="Of"/>'s mixing,
    /// which matters because the packed checker hashes every transition that changes a state.
    /// </summary>
    public static UInt128 OfRow(ReadOnlySpan<int> row)
    {
        var words = System.Runtime.InteropServices.MemoryMarshal.Cast<int, ulong>(row);
        var a = 0x243F6A8885A308D3UL;
        var b = 0x13198A2E03707344UL;
        unchecked
        {
            foreach (var word in words)
            {
                a = System.Numerics.BitOperations.RotateLeft((a + word) * 0x9E3779B97F4A7C15UL, 29);
                b = System.Numerics.BitOperations.RotateLeft((b ^ word) * 0xC2B2AE3D27D4EB4FUL, 37);
            }

            if ((row.Length & 1) != 0)
            {
                var last = (ulong)(uint)row[^1];
                a = System.Numerics.BitOperations.RotateLeft((a + last) * 0x9E3779B97F4A7C15UL, 29);
                b = System.Numerics.BitOperations.RotateLeft((b ^ last) * 0xC2B2AE3D27D4EB4FUL, 37);
            }

            var length = (ulong)row.Length;
            return new UInt128(Hasher128.Mix(a ^ length), Hasher128.Mix(b + (length * 0x165667B19E3779F9UL)));
        }
    }

    /// <summary>The key of a set of indices (a bitset), for caches keyed by "which entries are done".</summary>
    public static UInt128 OfBits(ReadOnlySpan<ulong> words)
    {
        var hasher = new Hasher128();
        foreach (var w in words)
        {
            hasher.Add(unchecked((long)w));
        }

        return hasher.Finish();
    }

    private static void AddVector(ref Hasher128 hasher, NodeVector vector)
    {
        for (var node = 0; node < vector.Count; node++)
        {
            hasher.Add(vector[node]);
        }
    }

    /// <summary>Two independent 64-bit lanes, each finished with MurmurHash3's fmix64.</summary>
    [SkipRewriting(SequentialOnly.Reason)]
    private struct Hasher128
    {
        private ulong a;
        private ulong b;
        private ulong count;

        public void Add(long value)
        {
            var v = unchecked((ulong)value);
            a = unchecked(System.Numerics.BitOperations.RotateLeft((a ^ v) * 0x9E3779B97F4A7C15UL, 27) * 0xBF58476D1CE4E5B9UL + 0x632BE59BD9B4E019UL);
            b = unchecked(System.Numerics.BitOperations.RotateLeft(b + (v * 0xC2B2AE3D27D4EB4FUL), 31) * 0x165667B19E3779F9UL ^ 0x94D049BB133111EBUL);
            count++;
        }

        public readonly UInt128 Finish() => new(Mix(a ^ count), Mix(b + (count * 0x9E3779B97F4A7C15UL)));

        public static ulong Mix(ulong k)
        {
            unchecked
            {
                k ^= k >> 33;
                k *= 0xFF51AFD7ED558CCDUL;
                k ^= k >> 33;
                k *= 0xC4CEB9FE1A85EC53UL;
                k ^= k >> 33;
                return k;
            }
        }
    }
}
