using Siglip2.Data;
using Siglip2.Processing.Images;
using Siglip2.Processing.Text;
using Siglip2.Training;
using TorchSharp;
using static Siglip2.Tests.Data.ImageTextTestData;

namespace Siglip2.Tests.Data;

/// <summary>
/// Training batches from tiny datasets: pixels and ids against the processors called directly on the files, rank
/// slices against the single-process batch, resume against the uninterrupted run, bad samples against the rule.
/// </summary>
public sealed class ImageTextBatchSourceTests
{
    private static IImageProcessor Fixed() => ImageProcessorFactory.FromFile(FixturePaths.Path("siglip-tiny", "preprocessor_config.json"));
    private static IImageProcessor Naflex() => ImageProcessorFactory.FromFile(FixturePaths.Path("siglip2-naflex-tiny", "preprocessor_config.json"));

    private static readonly Lazy<ITextTokenizer> Tokenizer = new(() => SentencePieceBpeTokenizer.Load(FixturePaths.Path("tokenizer", "spm-gemma-like.model")));
    private static SiglipTextProcessor Text() => new(Tokenizer.Value, new SiglipTextSettings(Length: 16));

    private static ImageTextBatchSource Source(ImageTextDataSpec data, IImageProcessor images, int batch, long seed = 5, int rank = 0, int world = 1, int buffer = 4) =>
        new(data, images, Text(), new ImageTextBatchOptions { GlobalBatchSize = batch, Seed = seed, Rank = rank, WorldSize = world, ShuffleBufferSize = buffer, Workers = 2 });

    /// <summary>Same shape, dtype and every element (bitwise equal floats).</summary>
    private static bool Same(torch.Tensor a, torch.Tensor b) =>
        a.shape.SequenceEqual(b.shape) && a.dtype == b.dtype && a.equal(b).all().item<bool>();

    private static void AssertEqual(TrainingBatch expected, TrainingBatch actual)
    {
        Assert.True(Same(expected.PixelValues, actual.PixelValues), "pixel_values differ");
        Assert.True(Same(expected.InputIds, actual.InputIds), "input_ids differ");
        Assert.Equal(expected.PixelAttentionMask is null, actual.PixelAttentionMask is null);
        if (expected.PixelAttentionMask is not null)
        {
            Assert.True(Same(expected.PixelAttentionMask, actual.PixelAttentionMask!), "pixel_attention_mask differs");
            Assert.True(Same(expected.SpatialShapes!, actual.SpatialShapes!), "spatial_shapes differ");
        }
    }

    private static TrainingBatch Cat(TrainingBatch a, TrainingBatch b) => new()
    {
        PixelValues = torch.cat([a.PixelValues, b.PixelValues], 0),
        InputIds = torch.cat([a.InputIds, b.InputIds], 0),
        PixelAttentionMask = a.PixelAttentionMask is null ? null : torch.cat([a.PixelAttentionMask, b.PixelAttentionMask!], 0),
        SpatialShapes = a.SpatialShapes is null ? null : torch.cat([a.SpatialShapes, b.SpatialShapes!], 0),
    };

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Rows_equal_the_processors_called_directly_on_the_files_and_an_epoch_covers_every_sample(bool naflex)
    {
        using var dir = new TempDirectory();
        var keys = WriteCaptionedFolder(dir.Path, 9);
        var images = naflex ? Naflex() : Fixed();
        var text = Text();
        using var source = Source(ImageTextDataSpec.Parse(dir.Path), images, batch: 3);
        var seen = new List<string>();
        for (long step = 0; step < 3; step++)
        {
            using var scope = torch.NewDisposeScope();
            var (batch, rows) = source.GetBatchAndRows(step);
            using var _ = batch;
            batch.Validate();
            if (!naflex) Assert.Equal([3L, 3, 32, 32], batch.PixelValues.shape);
            Assert.Equal(torch.ScalarType.Float32, batch.PixelValues.dtype);
            for (int i = 0; i < rows.Count; i++)
            {
                int n = keys[rows[i].Key];
                string file = Path.Combine(dir.Path, rows[i].Key + (n % 2 == 0 ? ".png" : ".jpg"));
                // the independent path: decode the file and call the processor and the text pipeline on it directly
                var expected = images.PreprocessFiles([file]);
                Assert.Equal(expected.PixelValues, batch.PixelValues[i].data<float>().ToArray());
                if (naflex)
                {
                    Assert.Equal(expected.PixelAttentionMask!, batch.PixelAttentionMask![i].data<int>().ToArray());
                    Assert.Equal(expected.SpatialShapes!, batch.SpatialShapes![i].data<long>().ToArray());
                }
                string caption = File.ReadAllText(Path.Combine(dir.Path, rows[i].Key + ".txt")).Trim();
                Assert.Equal(text.Process(caption).Ids, batch.InputIds[i].data<long>().ToArray());
                seen.Add(rows[i].Key);
            }
        }
        Assert.Equal(keys.Keys.Order(StringComparer.Ordinal), seen.Order(StringComparer.Ordinal)); // 3 steps × 3 = one epoch of 9
        Assert.Equal(1, source.EpochOf(3));
        Assert.Equal(9, source.SamplesPerEpoch);
        Assert.Equal(0, source.Skips.Total);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Two_rank_slices_concatenate_to_the_single_process_batch(bool naflex)
    {
        using var dir = new TempDirectory();
        WriteShards(dir.Path, 5, 4, 6);
        // one image that does not decode: the replacement rule must not depend on the world size
        WriteTar(dir.File("00003.tar"), [("bad.jpg", Utf8("this is no JPEG")), ("bad.txt", Utf8("a broken image"))]);
        var data = ImageTextDataSpec.Parse(dir.Path);
        var images = naflex ? Naflex() : Fixed();
        using var single = Source(data, images, batch: 4);
        using var rank0 = Source(data, images, batch: 4, rank: 0, world: 2);
        using var rank1 = Source(data, images, batch: 4, rank: 1, world: 2);
        Assert.Equal(2, rank0.LocalBatchSize);
        for (long step = 0; step < 9; step++) // 36 samples: two epochs of 16, so the bad one is met twice
        {
            using var scope = torch.NewDisposeScope();
            using var whole = single.GetBatch(step);
            using var a = rank0.GetBatch(step);
            using var b = rank1.GetBatch(step);
            Assert.Equal(2L, a.BatchSize);
            using var joined = Cat(a, b);
            AssertEqual(whole, joined);
        }
        Assert.Equal(1, single.Skips[DataSkipReason.CorruptImage]);
        // once in each of epochs 0 and 1, and maybe among the first 4 samples of epoch 2
        long badRows = Enumerable.Range(0, 9).Sum(step => single.GlobalRecords(step).Count(r => r.Key == "bad"));
        Assert.InRange(badRows, 2, 3);
        Assert.Equal(badRows, single.ReplacedRows);
        Assert.Equal(single.ReplacedRows, rank0.ReplacedRows + rank1.ReplacedRows);
    }

    [Fact]
    public void Resume_at_step_k_equals_the_uninterrupted_run()
    {
        using var dir = new TempDirectory();
        WriteShards(dir.Path, 3, 4, 3);
        var data = ImageTextDataSpec.Parse(dir.Path);
        var images = Fixed();
        using var uninterrupted = Source(data, images, batch: 4);
        var batches = new List<TrainingBatch>();
        for (long step = 0; step < 8; step++) batches.Add(uninterrupted.GetBatch(step));
        try
        {
            foreach (long k in new long[] { 7, 2, 5 }) // step 5 starts at sample 20 = epoch 2
            {
                using var resumed = Source(data, images, batch: 4);
                using var batch = resumed.GetBatch(k);
                AssertEqual(batches[(int)k], batch);
                using var next = resumed.GetBatch(k + 1 < 8 ? k + 1 : k);
                AssertEqual(batches[(int)Math.Min(k + 1, 7)], next);
            }
        }
        finally
        {
            foreach (var b in batches) b.Dispose();
        }
        Assert.Equal(2, uninterrupted.EpochOf(5));
    }

    [Fact]
    public void The_same_seed_gives_the_same_batches_and_another_seed_others()
    {
        using var dir = new TempDirectory();
        WriteShards(dir.Path, 4, 4, 4);
        var data = ImageTextDataSpec.Parse(dir.Path);
        var images = Fixed();
        using var a = Source(data, images, 4, seed: 1);
        using var b = Source(data, images, 4, seed: 1);
        using var c = Source(data, images, 4, seed: 2);
        bool anyDifferent = false;
        for (long step = 0; step < 3; step++)
        {
            using var x = a.GetBatch(step);
            using var y = b.GetBatch(step);
            using var z = c.GetBatch(step);
            AssertEqual(x, y);
            anyDifferent |= !Same(x.InputIds, z.InputIds);
        }
        Assert.True(anyDifferent);
    }

    [Fact]
    public void A_hostile_dataset_trains_on_with_bad_samples_skipped_counted_and_replaced()
    {
        using var dir = new TempDirectory();
        WriteShards(dir.Path, 4, 4);
        var members = new List<(string, byte[])>
        {
            ("100.jpg", Image(100)), ("100.txt", Utf8(Caption(100))),
            ("101.jpg", Image(101)),                                                          // missing caption
            ("102.jpg", Image(102)[..40]), ("102.txt", Utf8(Caption(102))),                   // truncated JPEG: found when decoding
            ("103.jpg", Image(103)), ("103.txt", Utf8(new string('w', 20_000))),              // absurdly long text
            ("104.png", Image(104)), ("104.txt", Utf8(string.Join(" ", Enumerable.Repeat("word", 40)) + " 104")), // long: truncated
        };
        WriteTar(dir.File("00002.tar"), members);
        WriteTar(dir.File("00003.tar"), [("x.jpg", Image(5))]);
        File.WriteAllBytes(dir.File("00004.tar"), File.ReadAllBytes(dir.File("00000.tar"))[..1500]); // truncated shard
        var data = ImageTextDataSpec.Parse(dir.Path);
        using var source = Source(data, Fixed(), batch: 5);
        for (long step = 0; step < 6; step++)
        {
            using var batch = source.GetBatch(step);
            Assert.Equal(5L, batch.BatchSize);
        }
        var skips = source.Skips;
        Assert.Equal(2, skips[DataSkipReason.MissingCaption]);
        Assert.Equal(1, skips[DataSkipReason.TextTooLong]);
        Assert.Equal(1, skips[DataSkipReason.CorruptShard]);
        Assert.Equal(1, skips[DataSkipReason.CorruptImage]);
        Assert.True(source.TruncatedCaptions >= 1);
        Assert.True(source.ReplacedRows >= 1);
        Assert.Contains("corrupt image", skips.Summary());
    }

    [Fact]
    public void A_replaced_row_holds_the_next_decodable_sample_of_the_global_batch()
    {
        using var dir = new TempDirectory();
        WriteTar(dir.File("00000.tar"),
        [
            ("a.jpg", Image(1)), ("a.txt", Utf8(Caption(1))),
            ("b.jpg", Utf8("not an image")), ("b.txt", Utf8(Caption(2))),
            ("c.jpg", Image(3)), ("c.txt", Utf8(Caption(3))),
        ]);
        var images = Fixed();
        using var source = Source(ImageTextDataSpec.Parse(dir.Path), images, batch: 3, buffer: 1);
        var global = source.GlobalRecords(0);
        Assert.Equal(["a", "b", "c"], global.Select(r => r.Key)); // buffer 1, one shard: file order
        var (batch, rows) = source.GetBatchAndRows(0);
        using var _ = batch;
        Assert.Equal(["a", "c", "c"], rows.Select(r => r.Key));
        var expected = images.Preprocess([ImageDecoder.Decode(Image(3), "c")]);
        Assert.Equal(expected.PixelValues, batch.PixelValues[1].data<float>().ToArray());
        Assert.Equal(Text().Process(Caption(3)).Ids, batch.InputIds[1].data<long>().ToArray());
    }

    [Fact]
    public void A_global_batch_that_does_not_split_evenly_is_a_one_line_error()
    {
        using var dir = new TempDirectory();
        WriteShards(dir.Path, 2);
        var e = Assert.Throws<Siglip2Exception>(() => Source(ImageTextDataSpec.Parse(dir.Path), Fixed(), batch: 5, rank: 0, world: 2));
        Assert.Contains("not a multiple of the 2 processes", e.Message);
    }
}
