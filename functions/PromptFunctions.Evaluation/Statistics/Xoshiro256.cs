using System.Numerics;
using System.Runtime.CompilerServices;

namespace PromptFunctions.Evaluation.Statistics;

/// <summary>
/// xoshiro256** (Blackman and Vigna), seeded through SplitMix64. Owned here rather than <see cref="Random"/>, whose
/// algorithm .NET does not promise to keep across versions: a comparison seed must give the same intervals on every
/// runtime the engine may run on. A struct with an inlined bounded draw keeps the bootstrap's inner loop cheap.
/// </summary>
internal struct Xoshiro256
{
    private ulong s0, s1, s2, s3;

    public Xoshiro256(ulong seed)
    {
        s0 = SplitMix64(ref seed);
        s1 = SplitMix64(ref seed);
        s2 = SplitMix64(ref seed);
        s3 = SplitMix64(ref seed);
    }

    private static ulong SplitMix64(ref ulong state)
    {
        var z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong NextUInt64()
    {
        var result = BitOperations.RotateLeft(s1 * 5, 7) * 9;
        var t = s1 << 17;
        s2 ^= s0;
        s3 ^= s1;
        s1 ^= s2;
        s0 ^= s3;
        s2 ^= t;
        s3 = BitOperations.RotateLeft(s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, <paramref name="bound"/>), without modulo bias (Lemire's multiply-and-reject).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int NextInt(int bound)
    {
        var range = (uint)bound;
        var product = (ulong)(uint)(NextUInt64() >> 32) * range;
        if ((uint)product < range)
        {
            var threshold = (uint)-range % range;
            while ((uint)product < threshold) product = (ulong)(uint)(NextUInt64() >> 32) * range;
        }
        return (int)(product >> 32);
    }
}
