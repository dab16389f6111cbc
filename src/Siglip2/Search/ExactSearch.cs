namespace Siglip2.Search;

/// <summary>
/// Exact nearest neighbours by cosine similarity (= dot product of L2-normalised embeddings) over every indexed
/// embedding: a linear scan, the right choice for a personal collection (a million 768-d rows take ~0.3 s).
/// </summary>
public sealed class ExactSearch
{
    private readonly List<IndexedImage> _rows;

    public ExactSearch(IEnumerable<IndexedImage> rows, int dimensions)
    {
        _rows = rows.Where(r => r.Embedding is not null).ToList();
        foreach (var r in _rows)
            if (r.Embedding!.Length != dimensions)
                throw new Siglip2Exception($"the index row of {r.Path} has {r.Embedding.Length} dimensions, the model {dimensions}; rebuild the index with --reindex");
    }

    public int Count => _rows.Count;

    public IReadOnlyList<SearchHit> Top(float[] query, int k)
    {
        var scored = new (float Score, int Index)[_rows.Count];
        for (int i = 0; i < _rows.Count; i++)
        {
            var e = _rows[i].Embedding!;
            float dot = 0;
            for (int j = 0; j < e.Length; j++) dot += e[j] * query[j];
            scored[i] = (dot, i);
        }
        return scored.OrderByDescending(s => s.Score).ThenBy(s => _rows[s.Index].Path, StringComparer.Ordinal).Take(k)
            .Select(s => new SearchHit(_rows[s.Index].Path, s.Score, _rows[s.Index].Width, _rows[s.Index].Height)).ToList();
    }
}
