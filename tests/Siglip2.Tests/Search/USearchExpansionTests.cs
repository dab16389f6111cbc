using Cloud.Unum.USearch;
using Siglip2.Search;
using Xunit;

using static Siglip2.Tests.Search.UnitVectors;

namespace Siglip2.Tests.Search;

public class USearchExpansionTests
{
    [Fact]
    public void TheSearchExpansionIsReadChangedAndTradesLatencyForRecall()
    {
        using var tmp = new TempDirectory();
        const int Count = 5000, Dimensions = 64, Queries = 100;
        var random = new Random(11);
        // unclustered random vectors: hard enough that a tiny expansion misses neighbours a large one finds
        var vectors = Enumerable.Range(0, Count).Select(_ => Unit(Enumerable.Range(0, Dimensions).Select(_ => random.NextSingle() * 2 - 1).ToArray())).ToArray();
        string path = tmp.File("random.usearch");
        using (var built = AnnIndex.CreateEmpty(Dimensions))
        {
            Assert.Equal(AnnIndex.ExpansionSearch, USearchExpansion.Get(built)); // the value it was created with
            AnnIndex.AddAll(built, Count, i => vectors[i], threads: 1);
            built.Save(path);
        }
        var rows = vectors.Select((v, i) => new IndexedImage($"v{i:D4}", 0, 0, null, 0, 0, v, null)).ToList();
        var exact = new ExactSearch(rows, Dimensions);
        var queries = Enumerable.Range(0, Queries).Select(_ => Unit(Enumerable.Range(0, Dimensions).Select(_ => random.NextSingle() * 2 - 1).ToArray())).ToArray();
        var truth = queries.Select(q => exact.Search(q, 10).Select(h => (ulong)h.Row).ToHashSet()).ToArray();

        using var index = new USearchIndex(path);
        double Recall(int expansion)
        {
            USearchExpansion.Set(index, expansion);
            Assert.Equal(expansion, USearchExpansion.Get(index));
            int hits = 0;
            for (int q = 0; q < Queries; q++)
            {
                int found = index.Search(queries[q], 10, out ulong[] keys, out _);
                hits += keys.Take(found).Count(truth[q].Contains);
            }
            return hits / (10.0 * Queries);
        }
        double small = Recall(10), large = Recall(2000);
        Assert.True(large >= 0.99, $"recall@10 {large:F3} with 2,000 of 5,000 vectors as candidates");
        Assert.True(small < large - 0.05, $"recall@10 {small:F3} with 10 candidates vs {large:F3} with 2,000: the setting did not reach the search");
        Assert.Throws<ArgumentOutOfRangeException>(() => USearchExpansion.Set(index, 0));
    }
}
