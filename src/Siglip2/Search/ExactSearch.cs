using System.Numerics.Tensors;

namespace Siglip2.Search;

/// <summary>
/// Cosine similarity to every row (embeddings are unit length, so a dot product), the top k kept in a bounded heap:
/// the reference the ANN index is measured against, and the search below <see cref="AnnIndex.Threshold"/> rows.
/// The embeddings are copied once into one contiguous matrix; a query is one SIMD dot product per row.
/// </summary>
public sealed class ExactSearch
{
    private readonly List<IndexedImage> _rows;
    private readonly float[] _matrix;
    private readonly int _dimensions;

    public ExactSearch(IEnumerable<IndexedImage> rows, int dimensions)
    {
        _rows = rows.Where(r => r.Embedding is not null).ToList();
        _dimensions = dimensions;
        if ((long)_rows.Count * dimensions > Array.MaxLength)
            throw new Siglip2Exception($"{_rows.Count:N0} rows of {dimensions} dimensions are too many for an exact scan in memory; search through the ANN index (leave out --exact)");
        _matrix = new float[(long)_rows.Count * dimensions];
        for (int i = 0; i < _rows.Count; i++)
        {
            var e = _rows[i].Embedding!;
            if (e.Length != dimensions)
                throw new Siglip2Exception($"the index row of {_rows[i].Path} has {e.Length} dimensions, the model {dimensions}; rebuild the index with --reindex");
            e.CopyTo(_matrix, (long)i * dimensions);
        }
    }

    public int Count => _rows.Count;

    /// <summary>The top <paramref name="k"/> rows (positions) by similarity, best first; ties by path.</summary>
    public IReadOnlyList<(int Row, float Similarity)> Search(float[] query, int k)
    {
        if (query.Length != _dimensions)
            throw new Siglip2Exception($"the query has {query.Length} dimensions, the index {_dimensions}");
        k = Math.Min(k, _rows.Count);
        if (k <= 0) return [];
        // min-heap of the best k so far: the root is the weakest kept (lowest score, then the later path)
        var heap = new PriorityQueue<int, (float Score, int Row)>(k + 1, Comparer<(float Score, int Row)>.Create((a, b) =>
            a.Score != b.Score ? a.Score.CompareTo(b.Score) : -string.CompareOrdinal(_rows[a.Row].Path, _rows[b.Row].Path)));
        var span = _matrix.AsSpan();
        for (int i = 0; i < _rows.Count; i++)
        {
            float dot = TensorPrimitives.Dot(span.Slice(i * _dimensions, _dimensions), query);
            if (heap.Count < k) heap.Enqueue(i, (dot, i));
            else if (heap.TryPeek(out _, out var weakest) && (dot > weakest.Score || dot == weakest.Score && string.CompareOrdinal(_rows[i].Path, _rows[weakest.Row].Path) < 0))
                heap.EnqueueDequeue(i, (dot, i));
        }
        var result = new (int Row, float Similarity)[heap.Count];
        for (int j = result.Length - 1; j >= 0; j--)
        {
            heap.TryDequeue(out int row, out var p);
            result[j] = (row, p.Score);
        }
        return result;
    }

    public IReadOnlyList<SearchHit> Top(float[] query, int k) =>
        Search(query, k).Select(h => new SearchHit(_rows[h.Row].Path, h.Similarity, _rows[h.Row].Width, _rows[h.Row].Height)).ToList();
}
