using Siglip2.Data;
using static Siglip2.Tests.Data.ImageTextTestData;

namespace Siglip2.Tests.Data;

/// <summary>The global sample order: a permutation per epoch, a function of the seed, random access equal to streaming.</summary>
public sealed class ImageTextSampleOrderTests
{
    private static IReadOnlyList<IImageTextShard> Shards(string folder, params int[] sizes)
    {
        WriteShards(folder, sizes);
        return ImageTextDataSpec.Parse(folder).Shards;
    }

    private static List<int> Numbers(IEnumerable<ImageTextRecord> records) => records.Select(r => NumberOf(r.Text)).ToList();

    [Fact]
    public void Every_epoch_is_a_permutation_of_all_valid_samples()
    {
        using var dir = new TempDirectory();
        var shards = Shards(dir.Path, 5, 1, 7, 3);
        using var order = new ImageTextSampleOrder(shards, seed: 3, shuffleBufferSize: 4);
        var all = Enumerable.Range(0, 16).ToList();
        var epochs = Enumerable.Range(0, 3).Select(e => Numbers(order.Epoch(e))).ToList();
        foreach (var epoch in epochs) Assert.Equal(all, epoch.Order());
        Assert.NotEqual(all, epochs[0]);            // shuffled
        Assert.NotEqual(epochs[0], epochs[1]);      // differently in each epoch

        // the stream of Take runs the epochs back to back
        var stream = Numbers(order.Take(0, 48));
        Assert.Equal(epochs.SelectMany(e => e), stream);
        Assert.Equal(16, order.SamplesPerEpoch);
    }

    [Fact]
    public void The_order_is_a_function_of_the_seed()
    {
        using var dir = new TempDirectory();
        var shards = Shards(dir.Path, 6, 6, 6);
        using var a = new ImageTextSampleOrder(shards, 11, 5);
        using var b = new ImageTextSampleOrder(shards, 11, 5);
        using var c = new ImageTextSampleOrder(shards, 12, 5);
        var first = Numbers(a.Take(0, 40));
        Assert.Equal(first, Numbers(b.Take(0, 40)));
        Assert.NotEqual(first, Numbers(c.Take(0, 40)));
    }

    [Fact]
    public void Random_access_equals_the_uninterrupted_stream_also_across_epochs()
    {
        using var dir = new TempDirectory();
        var shards = Shards(dir.Path, 4, 5, 2);
        using var reference = new ImageTextSampleOrder(shards, 7, 3);
        Assert.Equal(0, reference.EpochOf(10)); // 11 samples per epoch, not known yet
        Assert.Null(reference.SamplesPerEpoch);
        var stream = Numbers(reference.Take(0, 50));
        foreach (long start in new long[] { 37, 0, 10, 11, 9, 44, 22 })
        {
            using var fresh = new ImageTextSampleOrder(shards, 7, 3);
            Assert.Equal(stream.Skip((int)start).Take(6), Numbers(fresh.Take(start, 6)));
            Assert.Equal(stream.Skip((int)start).Take(6), Numbers(reference.Take(start, 6))); // backwards jumps too
        }
        Assert.Equal(4, reference.EpochOf(44));
    }

    [Fact]
    public void Shard_order_is_shuffled_per_epoch_and_a_buffer_of_one_keeps_file_order_within_shards()
    {
        using var dir = new TempDirectory();
        var shards = Shards(dir.Path, 3, 3, 3, 3, 3);
        using var order = new ImageTextSampleOrder(shards, 1, 1);
        var orders = Enumerable.Range(0, 6).Select(e => string.Join(",", order.ShardOrder(e))).ToList();
        Assert.True(orders.Distinct().Count() > 1);
        foreach (var o in orders) Assert.Equal("0,1,2,3,4", string.Join(",", o.Split(',').Order()));
        var epoch = Numbers(order.Epoch(2));
        var expected = order.ShardOrder(2).SelectMany(s => Enumerable.Range(3 * s, 3)).ToList();
        Assert.Equal(expected, epoch);
    }

    [Fact]
    public void A_dataset_without_one_usable_sample_is_a_one_line_error()
    {
        using var dir = new TempDirectory();
        WriteTar(dir.File("00000.tar"), [("a.jpg", Image(0)), ("b.txt", Utf8("orphan"))]);
        using var order = new ImageTextSampleOrder(ImageTextDataSpec.Parse(dir.Path).Shards, 0, 10);
        var e = Assert.Throws<Siglip2Exception>(() => order.Take(0, 1));
        Assert.Contains("no usable image–text pairs", e.Message);
        Assert.Contains("1 missing caption, 1 missing image", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }
}
