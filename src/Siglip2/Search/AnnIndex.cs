using Cloud.Unum.USearch;
using Siglip2.Configuration;

namespace Siglip2.Search;

/// <summary>
/// The approximate nearest-neighbour index beside a database (<c>photos.db.usearch</c>): USearch HNSW, cosine, over
/// the embedded rows in path order (key = position). It is rebuilt after every indexing run that changed rows, and used
/// only while it matches the database (the generation recorded in both); below <see cref="Threshold"/> rows, search is
/// exact and no ANN file is kept. An opened index stays in memory for any number of queries (a server keeps it until
/// the database changes); USearch answers concurrent searches on one index.
/// </summary>
public sealed class AnnIndex : IDisposable
{
    /// <summary>Rows from which search is approximate: below it the exact scan is fast (under ~10 ms).</summary>
    public const int Threshold = 20_000;

    /// <summary>HNSW graph degree, candidates kept while inserting and while searching (docs/performance.md measures them).</summary>
    public const int Connectivity = 16, ExpansionAdd = 128, ExpansionSearch = 64;

    private readonly USearchIndex _index;

    private AnnIndex(USearchIndex index, long generation)
    {
        _index = index;
        Generation = generation;
    }

    /// <summary>The database generation the file was built for.</summary>
    public long Generation { get; }

    public int Count => (int)_index.Size();

    public static string PathFor(string db) => db + ".usearch";

    /// <summary>An empty index with this project's parameters (cosine, float32).</summary>
    public static USearchIndex CreateEmpty(int dimensions) =>
        new(MetricKind.Cos, ScalarKind.Float32, (ulong)dimensions, Connectivity, ExpansionAdd, ExpansionSearch);

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
        using (var index = CreateEmpty(dimensions))
        {
            AddAll(index, rows.Count, i => rows[i].Embedding!);
            index.Save(temporary);
        }
        File.Move(temporary, path, overwrite: true);
        store.SetMeta("ann_generation", store.Generation.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// Adds vectors 0 … count−1 (key = position) on every core. USearch inserts concurrently once the index has the
    /// room reserved; the C# binding grows its capacity inside Add (not safe across threads) and keeps its reserve
    /// method private, so it is reached by reflection — when a future binding renames it, the insertion falls back to
    /// one thread (the same graph quality, slower).
    /// </summary>
    public static void AddAll(USearchIndex index, int count, Func<int, float[]> vector, int? threads = null)
    {
        int workers = Math.Max(1, threads ?? Environment.ProcessorCount);
        var reserve = typeof(USearchIndex).GetMethod("IncreaseCapacity", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic,
            null, [typeof(ulong)], null);
        if (workers == 1 || count < 1000 || reserve is null)
        {
            for (int i = 0; i < count; i++) index.Add((ulong)i, vector(i));
            return;
        }
        reserve.Invoke(index, [(ulong)count]);
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = workers }, i => index.Add((ulong)i, vector(i)));
    }

    /// <summary>The ANN file of the database when it matches the database's current rows; null when search must be exact.</summary>
    public static AnnIndex? Open(ImageIndexStore store, int embeddedRows)
    {
        string path = PathFor(store.Path);
        if (store.GetMeta("ann_generation") != store.Generation.ToString(System.Globalization.CultureInfo.InvariantCulture) || !InputFile.IsRegular(path)) return null;
        var index = new USearchIndex(path);
        if ((int)index.Size() != embeddedRows)
        {
            index.Dispose();
            return null;
        }
        USearchExpansion.Set(index, ExpansionSearch); // a loaded file takes the library's default, not the value it was built with
        return new AnnIndex(index, store.Generation);
    }

    /// <summary>The top <paramref name="k"/> rows (positions in path order) and their cosine similarities, best first.</summary>
    public IReadOnlyList<(int Row, float Similarity)> Search(float[] query, int k)
    {
        int found = _index.Search(query, Math.Min(k, Count), out ulong[] keys, out float[] distances);
        var hits = new (int, float)[found];
        for (int i = 0; i < found; i++) hits[i] = ((int)keys[i], 1 - distances[i]); // cosine distance → similarity
        return hits;
    }

    /// <summary>The top <paramref name="k"/> of <paramref name="embeddedRows"/> (the rows the index was built over).</summary>
    public IReadOnlyList<SearchHit> Top(IReadOnlyList<IndexedImage> embeddedRows, float[] query, int k) =>
        Search(query, k).Select(h => new SearchHit(embeddedRows[h.Row].Path, h.Similarity, embeddedRows[h.Row].Width, embeddedRows[h.Row].Height)).ToList();

    /// <summary>One query by the ANN file when it matches the database (opened and closed here); null when search must be exact.</summary>
    public static IReadOnlyList<SearchHit>? TryTop(ImageIndexStore store, IReadOnlyList<IndexedImage> embeddedRows, float[] query, int k)
    {
        using var index = Open(store, embeddedRows.Count);
        return index?.Top(embeddedRows, query, k);
    }

    public void Dispose() => _index.Dispose();
}
