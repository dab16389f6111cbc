using System.Globalization;
using System.IO.Hashing;
using System.Text;

namespace Siglip2.Search;

/// <summary>
/// Shard <c>Index</c> of <c>Count</c>: a deterministic 1/N of the files (by a stable hash of the full path, XxHash64,
/// the same on every machine and run), so N processes — on one machine or a cluster — index disjoint parts, each
/// restartable on its own, and <see cref="ImageIndexMerge"/> joins them.
/// </summary>
public sealed record IndexShard(int Index, int Count)
{
    public bool Owns(string fullPath) => (int)(XxHash64.HashToUInt64(Encoding.UTF8.GetBytes(fullPath)) % (ulong)Count) == Index;

    public override string ToString() => $"{Index}/{Count}";

    /// <summary>Parses <c>i/N</c> (0 ≤ i &lt; N).</summary>
    public static IndexShard Parse(string text)
    {
        var parts = text.Split('/');
        if (parts.Length != 2 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int i) ||
            !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int n) || n < 1 || i >= n)
            throw new Siglip2Exception($"--shard '{text}' must be i/N with 0 ≤ i < N, e.g. 0/4");
        return new IndexShard(i, n);
    }

    /// <summary>The rank and size a launcher gives: OpenMPI's <c>OMPI_COMM_WORLD_RANK/SIZE</c> or Slurm's <c>SLURM_PROCID/SLURM_NTASKS</c>.</summary>
    public static IndexShard? FromEnvironment()
    {
        foreach (var (rank, size) in new[] { ("OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE"), ("SLURM_PROCID", "SLURM_NTASKS") })
            if (Environment.GetEnvironmentVariable(rank) is { Length: > 0 } r && Environment.GetEnvironmentVariable(size) is { Length: > 0 } s)
                return Parse($"{r}/{s}");
        return null;
    }

    /// <summary>The shard's own database beside <paramref name="db"/>: <c>photos.db</c> → <c>photos.shard-2-of-4.db</c>.</summary>
    public string DatabasePath(string db) =>
        Path.Combine(Path.GetDirectoryName(db) ?? "", $"{Path.GetFileNameWithoutExtension(db)}.shard-{Index}-of-{Count}{Path.GetExtension(db)}");
}
