using SkiaSharp;
using Siglip2.Search;
using Siglip2.Tasks;
using Siglip2.Tests.Reliability;

namespace Siglip2.Tests.Search;

/// <summary>
/// How `siglip2 index` decodes: large JPEGs at a DCT scale by default, in full with --exact-decode (then equal to
/// `embed`'s embeddings); the choice is recorded in the index and never mixed, in a rerun or a merge.
/// </summary>
public class IndexDecodingTests
{
    private static string Fixture => FixturePaths.Path("siglip-tiny");

    private static string Photos(TempDirectory tmp)
    {
        string photos = tmp.File("photos");
        Directory.CreateDirectory(photos);
        using var source = SKBitmap.Decode(FixturePaths.Path("preprocess", "grace_hopper.jpg"));
        using var big = source.Resize(new SKImageInfo(2400, 1800), new SKSamplingOptions(SKFilterMode.Linear));
        File.WriteAllBytes(Path.Combine(photos, "big.jpg"), big.Encode(SKEncodedImageFormat.Jpeg, 92).ToArray());
        File.Copy(Directory.EnumerateFiles(Fixture, "*.png").Order(StringComparer.Ordinal).First(), Path.Combine(photos, "small.png"));
        return photos;
    }

    private static Dictionary<string, float[]> Rows(string db)
    {
        using var store = ImageIndexStore.Open(db, create: false);
        return store.ReadAll().ToDictionary(r => Path.GetFileName(r.Path), r => r.Embedding!);
    }

    private static string? Meta(string db, string key)
    {
        using var store = ImageIndexStore.Open(db, create: false);
        return store.GetMeta(key);
    }

    [Fact]
    public void TheDefaultIsDctScaledAndExactDecodeEqualsEmbed()
    {
        using var tmp = new TempDirectory();
        string photos = Photos(tmp), fast = tmp.File("fast.db"), exact = tmp.File("exact.db");
        Assert.Equal(0, CliRun.Main("index", photos, "--db", fast, "--model", Fixture).ExitCode);
        Assert.Equal(0, CliRun.Main("index", photos, "--db", exact, "--model", Fixture, "--exact-decode").ExitCode);
        Assert.Equal("jpeg-dct-512", Meta(fast, "decode"));
        Assert.Equal("exact", Meta(exact, "decode"));

        using var encoder = Siglip2Encoder.Load(Fixture);
        var f = Rows(fast);
        var e = Rows(exact);
        // within float rounding of another batch composition (the index embeds two images at once, embed one)
        static double MaxAbs(float[] x, float[] y) => x.Zip(y, (a, b) => (double)Math.Abs(a - b)).Max();
        Assert.True(MaxAbs(encoder.EmbedImage(Path.Combine(photos, "big.jpg")), e["big.jpg"]) < 1e-6); // the reference path
        Assert.True(MaxAbs(e["small.png"], f["small.png"]) < 1e-6);                                      // only JPEGs are scaled
        Assert.True(MaxAbs(e["big.jpg"], f["big.jpg"]) > 1e-4, "the DCT-scaled decode should differ from the full one");
        double cosine = e["big.jpg"].Zip(f["big.jpg"], (a, b) => (double)a * b).Sum();
        Assert.True(cosine > 0.99, $"cosine {cosine} between the DCT-scaled and the full decode");
    }

    [Fact]
    public void AnIndexKeepsItsDecodingInRerunsAndMerges()
    {
        using var tmp = new TempDirectory();
        string photos = Photos(tmp), db = tmp.File("photos.db");
        Assert.Equal(0, CliRun.Main("index", photos, "--db", db, "--model", Fixture, "--exact-decode").ExitCode);
        var mixed = CliRun.Main("index", photos, "--db", db, "--model", Fixture);
        Assert.Equal(1, mixed.ExitCode);
        Assert.Contains("--exact-decode", mixed.OneLineError());
        Assert.Contains("--reindex", mixed.OneLineError());
        Assert.Equal(0, CliRun.Main("index", photos, "--db", db, "--model", Fixture, "--reindex").ExitCode);
        Assert.Equal("jpeg-dct-512", Meta(db, "decode"));
        Assert.Equal(2, CliRun.Main("index", photos, "--db", db, "--model", Fixture, "--exact-decode", "--fast-decode").ExitCode);

        // an index from before the key existed holds exact rows
        using (var store = ImageIndexStore.Open(db, create: false)) store.SetMeta("decode", "");
        Assert.Equal(1, CliRun.Main("index", photos, "--db", db, "--model", Fixture).ExitCode);
        Assert.Equal(0, CliRun.Main("index", photos, "--db", db, "--model", Fixture, "--exact-decode").ExitCode);
        Assert.Equal("exact", Meta(db, "decode"));

        string a = tmp.File("a.db"), b = tmp.File("b.db");
        Assert.Equal(0, CliRun.Main("index", photos, "--db", a, "--model", Fixture, "--shard", "0/2").ExitCode);
        Assert.Equal(0, CliRun.Main("index", photos, "--db", b, "--model", Fixture, "--shard", "1/2", "--exact-decode").ExitCode);
        var merge = CliRun.Main("index", "merge", tmp.File("a.shard-0-of-2.db"), tmp.File("b.shard-1-of-2.db"), "--db", tmp.File("merged.db"));
        Assert.Equal(1, merge.ExitCode);
        Assert.Contains("decod", merge.OneLineError());
    }
}
