using Siglip2.Data;
using SkiaSharp;
using static Siglip2.Tests.Data.ImageTextTestData;

namespace Siglip2.Tests.Data;

/// <summary>JSONL and CSV manifests and folders with sidecar captions; bad rows skipped and counted.</summary>
public sealed class ManifestAndFolderTests
{
    private static void WriteImages(string folder, int count)
    {
        Directory.CreateDirectory(Path.Combine(folder, "images"));
        for (int i = 0; i < count; i++) File.WriteAllBytes(Path.Combine(folder, "images", $"{i}.png"), Image(i, SKEncodedImageFormat.Png));
    }

    [Fact]
    public void Jsonl_manifest_rows_resolve_relative_paths_and_keep_language_and_metadata()
    {
        using var dir = new TempDirectory();
        WriteImages(dir.Path, 3);
        string absolute = Path.Combine(dir.Path, "images", "2.png");
        File.WriteAllLines(dir.File("train.jsonl"),
        [
            "{\"image\": \"images/0.png\", \"text\": \"a photo of item 0\", \"lang\": \"en\", \"id\": 17}",
            "",
            "{\"image\": \"images/1.png\", \"text\": \"ein Foto von Ding 1\"}",
            "{\"image\": \"images/1.png\", \"text\": ",                        // not JSON
            "[\"images/1.png\", \"x\"]",                                      // not an object
            "{\"text\": \"no image\"}",                                       // no image field
            "{\"image\": \"images/missing.png\", \"text\": \"gone\"}",         // unreadable path
            "{\"image\": \"images/1.png\", \"text\": \"\"}",                  // empty caption
            "{\"image\": \"images/1.png\"}",                                  // no caption
            $"{{\"image\": {System.Text.Json.JsonSerializer.Serialize(absolute)}, \"text\": \"absolute\"}}",
        ]);
        var spec = ImageTextDataSpec.Parse(dir.File("train.jsonl"));
        var skips = new DataSkipCounts();
        var samples = spec.Shards.Single().ReadSamples(ImageTextDataLimits.Default, skips).ToList();
        Assert.Equal(["images/0", "images/1", "images/2"], samples.Select(s => s.Key));
        Assert.Equal(["a photo of item 0", "ein Foto von Ding 1", "absolute"], samples.Select(s => s.Text));
        Assert.Equal(["en", null, null], samples.Select(s => s.Language));
        Assert.Contains("\"id\": 17", samples[0].Metadata);
        Assert.Equal(Image(1, SKEncodedImageFormat.Png), samples[1].Image);
        Assert.EndsWith("train.jsonl:line 3", samples[1].Source);
        Assert.Equal(3, skips[DataSkipReason.BadRow]);
        Assert.Equal(1, skips[DataSkipReason.UnreadableImage]);
        Assert.Equal(1, skips[DataSkipReason.EmptyText]);
        Assert.Equal(1, skips[DataSkipReason.MissingCaption]);
    }

    [Fact]
    public void Csv_manifest_handles_quoted_commas_quotes_and_line_breaks()
    {
        using var dir = new TempDirectory();
        WriteImages(dir.Path, 3);
        File.WriteAllText(dir.File("train.csv"),
            "id,image,text,lang\r\n" +
            "0,images/0.png,too,many,fields\r\n" +
            "1,images/0.png,\"a dog, a cat\",en\r\n" +
            "2,images/1.png,\"she said \"\"hi\"\"\nthen left\",\r\n" +
            "3,images/nope.png,missing,fr\r\n" +
            "4,images/2.png,   ,de\r\n" +
            "5,images/2.png,plain caption,de\r\n");
        var skips = new DataSkipCounts();
        var records = ImageTextDataSpec.Parse(dir.File("train.csv")).Shards.Single().ReadRecords(skips).ToList();
        Assert.Equal(["a dog, a cat", "she said \"hi\"\nthen left", "plain caption"], records.Select(r => r.Text));
        Assert.Equal(["en", null, "de"], records.Select(r => r.Language));
        Assert.Equal(["images/0", "images/1", "images/2"], records.Select(r => r.Key));
        Assert.Equal(1, skips[DataSkipReason.UnreadableImage]);
        Assert.Equal(1, skips[DataSkipReason.EmptyText]);
        Assert.Equal(1, skips[DataSkipReason.BadRow]);
    }

    [Fact]
    public void Large_manifests_are_cut_into_slices_of_1000_rows_that_together_read_every_row_once()
    {
        using var dir = new TempDirectory();
        WriteImages(dir.Path, 2);
        var jsonl = new List<string>();
        var csv = new System.Text.StringBuilder("image,text\n");
        for (int i = 0; i < 2500; i++)
        {
            jsonl.Add(i == 1700 ? "" : $"{{\"image\": \"images/{i % 2}.png\", \"text\": \"row {i}\"}}");
            // every 7th caption spans two lines: record boundaries are not line boundaries
            csv.Append($"images/{i % 2}.png,{(i % 7 == 0 ? $"\"row {i},\nsecond line\"" : $"row {i}")}\n");
        }
        File.WriteAllLines(dir.File("big.jsonl"), jsonl);
        File.WriteAllText(dir.File("big.csv"), csv.ToString());

        var jsonlSpec = ImageTextDataSpec.Parse(dir.File("big.jsonl"));
        Assert.Equal("3 JSONL manifest slices", jsonlSpec.Describe());
        var rows = jsonlSpec.Shards.SelectMany(s => s.ReadRecords()).ToList();
        Assert.Equal(Enumerable.Range(0, 2500).Where(i => i != 1700).Select(i => $"row {i}"), rows.Select(r => r.Text));
        Assert.EndsWith("big.jsonl:line 2500", rows[^1].Source);
        Assert.EndsWith("big.jsonl:line 1001", rows[1000].Source);

        var csvSpec = ImageTextDataSpec.Parse(dir.File("big.csv"));
        Assert.Equal("3 CSV manifest slices", csvSpec.Describe());
        var records = csvSpec.Shards.SelectMany(s => s.ReadRecords()).ToList();
        Assert.Equal(Enumerable.Range(0, 2500).Select(i => i % 7 == 0 ? $"row {i},\nsecond line" : $"row {i}"), records.Select(r => r.Text));
        // line numbers count the lines inside quoted fields: record 1000 starts on line 2 + 1000 + ceil(1000 / 7)
        Assert.EndsWith($"big.csv:line {2 + 1000 + 143}", records[1000].Source);
    }

    [Fact]
    public void Csv_manifest_without_the_text_column_is_a_one_line_error()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("bad.csv"), "image,caption\nimages/0.png,x\n");
        var e = Assert.Throws<Siglip2Exception>(() => ImageTextDataSpec.Parse(dir.File("bad.csv")));
        Assert.Contains("no 'text' column (header: image,caption)", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Captioned_folder_is_read_recursively_and_images_without_captions_are_counted()
    {
        using var dir = new TempDirectory();
        var keys = WriteCaptionedFolder(dir.Path, 7);
        File.WriteAllBytes(dir.File("orphan.jpg"), Image(9));
        File.WriteAllText(dir.File("notes.txt"), "a caption without an image is not a sample");
        var spec = ImageTextDataSpec.Parse(dir.Path + "/");
        Assert.Equal("1 folder slice", spec.Describe());
        var skips = new DataSkipCounts();
        var samples = spec.Shards.SelectMany(s => s.ReadSamples(ImageTextDataLimits.Default, skips)).ToList();
        Assert.Equal(keys.Keys.Order(StringComparer.Ordinal), samples.Select(s => s.Key).Order(StringComparer.Ordinal));
        foreach (var s in samples)
        {
            int n = keys[s.Key];
            Assert.Equal(Caption(n), s.Text); // trailing newline trimmed
            Assert.Equal(Image(n, n % 2 == 0 ? SKEncodedImageFormat.Png : SKEncodedImageFormat.Jpeg), s.Image);
        }
        Assert.Equal(1, skips[DataSkipReason.MissingCaption]);
        Assert.Equal(1, skips.Total);
    }

    [Fact]
    public void A_folder_with_tar_shards_is_read_as_shards_and_glob_specs_match_file_names()
    {
        using var dir = new TempDirectory();
        WriteShards(dir.Path, 2, 2, 2);
        Assert.Equal("3 tar shards", ImageTextDataSpec.Parse(dir.Path).Describe());
        Assert.Equal(3, ImageTextDataSpec.Parse(Path.Combine(dir.Path, "*.tar")).Shards.Count);
        Assert.Equal(["00001.tar"], ImageTextDataSpec.Parse(Path.Combine(dir.Path, "*1.tar")).Shards.Select(s => Path.GetFileName(s.Name)));
        var both = ImageTextDataSpec.Parse(Path.Combine(dir.Path, "00000.tar") + "::" + Path.Combine(dir.Path, "{00001..00002}.tar"));
        Assert.Equal(["00000.tar", "00001.tar", "00002.tar"], both.Shards.Select(s => Path.GetFileName(s.Name)));
    }

    [Fact]
    public void Specs_that_match_nothing_are_one_line_errors()
    {
        using var dir = new TempDirectory();
        WriteShards(dir.Path, 1, 1);
        Directory.CreateDirectory(dir.File("empty"));
        File.WriteAllText(dir.File("data.parquet"), "x");
        foreach (var (spec, expected) in new[]
        {
            (dir.File("nothing"), "no such file or folder"),
            (dir.File("{00005..00009}.tar"), "matches no file"),
            (dir.File("{00000..00003}.tar"), "2 of 4 files are missing (first: '"),
            (dir.File("*.jsonl"), "matches no file"),
            (dir.File("empty"), "holds no .tar shards and no"),
            (dir.File("data.parquet"), "neither a .tar shard nor a .jsonl/.csv manifest"),
            ("", "the data spec is empty"),
        })
        {
            var e = Assert.Throws<Siglip2Exception>(() => ImageTextDataSpec.Parse(spec));
            Assert.Contains(expected, e.Message);
            Assert.DoesNotContain('\n', e.Message);
        }
    }
}
