using Siglip2.Data;
using static Siglip2.Tests.Data.ImageTextTestData;

namespace Siglip2.Tests.Data;

/// <summary>WebDataset tar shards as img2dataset writes them, read back sample by sample; hostile shards skipped and counted.</summary>
public sealed class WebDatasetShardTests
{
    [Fact]
    public void Every_sample_of_a_brace_list_of_shards_is_read_once_with_its_caption_image_bytes_and_language()
    {
        using var dir = new TempDirectory();
        var keys = WriteShards(dir.Path, 3, 4);
        var spec = ImageTextDataSpec.Parse(Path.Combine(dir.Path, "{00000..00001}.tar"));
        Assert.Equal(2, spec.Shards.Count);
        Assert.Equal("2 tar shards", spec.Describe());
        var skips = new DataSkipCounts();
        var samples = spec.Shards.SelectMany(s => s.ReadSamples(ImageTextDataLimits.Default, skips)).ToList();
        Assert.Equal(0, skips.Total);
        Assert.Equal(keys.Keys.Order(), samples.Select(s => s.Key).Order());
        foreach (var s in samples)
        {
            int n = keys[s.Key];
            Assert.Equal(Caption(n), s.Text);
            Assert.Equal(Image(n), s.Image); // the member's bytes, read back through the recorded byte range
            Assert.Equal(n % 2 == 0 ? "en" : "de", s.Language);
            Assert.Contains($"\"key\": \"{s.Key}\"", s.Metadata);
            Assert.EndsWith(".tar:" + s.Key, s.Source);
        }
    }

    [Fact]
    public void Keys_are_the_path_up_to_the_first_dot_of_the_base_name()
    {
        Assert.Equal(("dir/000012", "jpg"), WebDatasetMemberName.Split("dir/000012.jpg"));
        Assert.Equal(("img", "001.seg.png"), WebDatasetMemberName.Split("img.001.seg.png"));
        Assert.Equal(("a.b/c", "txt"), WebDatasetMemberName.Split("a.b/c.txt"));
        Assert.Null(WebDatasetMemberName.Split("README"));
        Assert.Null(WebDatasetMemberName.Split("dir/.hidden"));
        Assert.Equal("png", WebDatasetMemberName.TypeOf("001.seg.PNG"));

        using var dir = new TempDirectory();
        string tar = dir.File("dots.tar");
        WriteTar(tar, [("img.001.jpg", Image(1)), ("img.001.txt", Utf8("dotted")), ("sub/x.y.png", Image(2)), ("sub/x.y.txt", Utf8("nested"))]);
        var records = new WebDatasetShard(tar).ReadRecords().ToList();
        Assert.Equal(["img", "sub/x"], records.Select(r => r.Key));
        Assert.Equal(["dotted", "nested"], records.Select(r => r.Text));
    }

    [Fact]
    public void Bad_samples_are_skipped_and_counted_and_reading_goes_on()
    {
        using var dir = new TempDirectory();
        string tar = dir.File("00000.tar");
        var limits = new ImageTextDataLimits { MaxImageBytes = 20_000, MaxTextCharacters = 40 };
        WriteTar(tar,
        [
            ("000000000.jpg", Image(0)), ("000000000.txt", Utf8(Caption(0))),
            ("000000001.jpg", Image(1)),                                                        // no caption
            ("000000002.txt", Utf8(Caption(2))), ("000000002.json", Utf8("{}")),                // no image
            ("000000003.jpg", Image(3)), ("000000003.txt", Utf8("  \n ")),                      // blank caption
            ("000000004.jpg", Image(4)), ("000000004.txt", Utf8(new string('x', 41))),          // caption over the limit
            ("000000005.jpg", new byte[20_001]), ("000000005.txt", Utf8(Caption(5))),           // image member over the limit
            ("000000006.jpg", Image(6)), ("000000006.txt", [0x61, 0xFF, 0x62]),                 // caption not UTF-8
            ("000000007.jpg", Image(7)), ("000000007.txt", Utf8(Caption(7))), ("000000007.json", Utf8("[1, 2]")), // metadata not an object
            ("000000008.jpg", Image(8)), ("000000008.txt", Utf8(Caption(8))),
        ]);
        var skips = new DataSkipCounts();
        var records = new WebDatasetShard(tar, limits).ReadRecords(skips).ToList();
        Assert.Equal(["000000000", "000000008"], records.Select(r => r.Key));
        Assert.Equal(1, skips[DataSkipReason.MissingCaption]);
        Assert.Equal(1, skips[DataSkipReason.MissingImage]);
        Assert.Equal(1, skips[DataSkipReason.EmptyText]);
        Assert.Equal(1, skips[DataSkipReason.TextTooLong]);
        Assert.Equal(1, skips[DataSkipReason.ImageTooLarge]);
        Assert.Equal(2, skips[DataSkipReason.InvalidText]);
        Assert.Equal(7, skips.Total);
        Assert.StartsWith("skipped 7 samples: ", skips.Summary());
        Assert.DoesNotContain('\n', skips.Summary());

        // reading again counts nothing twice
        _ = new WebDatasetShard(tar, limits).ReadRecords(skips).ToList();
        Assert.Equal(7, skips.Total);
    }

    [Fact]
    public void A_truncated_shard_keeps_the_samples_before_the_damage()
    {
        using var dir = new TempDirectory();
        string whole = dir.File("whole.tar");
        WriteTar(whole, Enumerable.Range(0, 6).SelectMany(i => new[] { ($"{i:000}.jpg", Image(i)), ($"{i:000}.txt", Utf8(Caption(i))) }));
        byte[] bytes = File.ReadAllBytes(whole);
        var intact = new WebDatasetShard(whole).ReadRecords().ToList();
        Assert.Equal(6, intact.Count);
        // cut inside the data of sample 4's image member
        long cut = intact[4].Image.Offset + 10;
        string truncated = dir.File("truncated.tar");
        File.WriteAllBytes(truncated, bytes[..(int)cut]);

        var skips = new DataSkipCounts();
        var records = new WebDatasetShard(truncated).ReadRecords(skips).ToList();
        Assert.Equal(["000", "001", "002", "003"], records.Select(r => r.Key));
        Assert.Equal(1, skips[DataSkipReason.CorruptShard]);
    }

    [Fact]
    public void A_shard_of_garbage_or_a_missing_shard_is_counted_not_thrown()
    {
        using var dir = new TempDirectory();
        string garbage = dir.File("garbage.tar");
        var random = new Random(5);
        var noise = new byte[5000];
        random.NextBytes(noise);
        File.WriteAllBytes(garbage, noise);
        var skips = new DataSkipCounts();
        Assert.Empty(new WebDatasetShard(garbage).ReadRecords(skips));
        Assert.Empty(new WebDatasetShard(dir.File("gone.tar")).ReadRecords(skips));
        Assert.Equal(1, skips[DataSkipReason.CorruptShard]);
        Assert.Equal(1, skips[DataSkipReason.UnreadableShard]);
    }
}
