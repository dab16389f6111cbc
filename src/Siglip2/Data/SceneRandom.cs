namespace Siglip2.Data;

/// <summary>
/// A small deterministic generator (xoshiro256**, seeded through SplitMix64) for one scene. Each scene gets its
/// own generator derived from (seed, split, index), so scene i is the same whatever order or thread it is made in.
/// </summary>
public sealed class SceneRandom
{
    private ulong _s0, _s1, _s2, _s3;

    public SceneRandom(long seed, long stream, long index)
    {
        ulong x = (ulong)seed;
        x = SplitMix(ref x) ^ (ulong)stream * 0xD1B54A32D192ED03UL;
        x = SplitMix(ref x) ^ (ulong)index * 0x9E3779B97F4A7C15UL;
        ulong state = x;
        _s0 = SplitMix(ref state); _s1 = SplitMix(ref state); _s2 = SplitMix(ref state); _s3 = SplitMix(ref state);
    }

    private static ulong SplitMix(ref ulong state)
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    public ulong NextUInt64()
    {
        ulong result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0; _s3 ^= _s1; _s1 ^= _s2; _s0 ^= _s3;
        _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [min, max).</summary>
    public double Uniform(double min, double max) => min + (max - min) * NextDouble();

    /// <summary>Uniform integer in [0, count).</summary>
    public int Next(int count)
    {
        if (count <= 0) throw new ArgumentOutOfRangeException(nameof(count));
        return (int)((NextUInt64() >> 32) * (ulong)count >> 32);
    }

    /// <summary>Uniform integer in [min, max] (both included).</summary>
    public int NextInclusive(int min, int max) => min + Next(max - min + 1);

    public bool Chance(double probability) => NextDouble() < probability;

    public T Pick<T>(IReadOnlyList<T> items) => items[Next(items.Count)];
}
