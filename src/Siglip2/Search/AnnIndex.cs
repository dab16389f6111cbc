using Cloud.Unum.USearch;
using Siglip2.Configuration;

namespace Siglip2.Search;

/// <summary>
/// The approximate nearest-neighbour index beside a database (<c>photos.db.usearch</c>): USearch HNSW, cosine, over
/// the embedded rows in path order (key = position). It is rebuilt after every indexing run that changed rows, and used
/// only while it matches the database (the generation recorded in both); below <see cref="Threshold"/> rows, search is
/// exact and no ANN file is kept.
/// </summary>
public static class AnnIndex
{
    /// <summary>Rows from which search is approximate: below it the exact scan is fast (under ~10 ms).</summary>
    public const int Threshold = 20_000;

    public static string PathFor(string db) => db + ".usearch";

    /// <summary>Builds and saves the ANN file (atomically) for the current rows, or removes a stale one below the threshold.</summary>
    public static void Rebuild(ImageIndexStore store, int dimensions, int threshold = Threshold)
    {
        string path = PathFor(store.Path);
        var rows = store.ReadAll().Where(r => r.Embedding is not null).ToList();
        if (rows.Count < threshold)
        {
            File.Delete(path);
            store.SetMeta("ann_generation", "");
            return;
        }
        string temporary = path + $".{Environment.ProcessId}.tmp";
        using (var index = new USearchIndex(MetricKind.Cos, ScalarKind.Float32, (ulong)dimensions, connectivity: 16, expansionAdd: 128, expansionSearch: 64))
        {
            for (int i = 0; i < rows.Count; i++) index.Add((ulong)i, rows[i].Embedding!);
            index.Save(temporary);
        }
        File.Move(temporary, path, overwrite: true);
        store.SetMeta("ann_generation", store.Generation.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>The top <paramref name="k"/> by the ANN file when it matches the database; null when search must be exact.</summary>
    public static IReadOnlyList<SearchHit>? TryTop(ImageIndexStore store, IReadOnlyList<IndexedImage> embeddedRows, float[] query, int k)
    {
        string path = PathFor(store.Path);
        if (store.GetMeta("ann_generation") != store.Generation.ToString(System.Globalization.CultureInfo.InvariantCulture) || !InputFile.IsRegular(path)) return null;
        using var index = new USearchIndex(path);
        if ((int)index.Size() != embeddedRows.Count) return null;
        int found = index.Search(query, Math.Min(k, embeddedRows.Count), out ulong[] keys, out float[] distances);
        return Enumerable.Range(0, found).Select(i =>
        {
            var row = embeddedRows[(int)keys[i]];
            return new SearchHit(row.Path, 1 - distances[i], row.Width, row.Height); // cosine distance → similarity
        }).ToList();
    }
}
