using Siglip2.Configuration;

namespace Siglip2.Tasks.Benchmarking;

/// <summary>
/// One model layout of the benchmark: an official preset (real widths, depths and vocabulary), for NaFlex the padded
/// sequence length and the (h, w) patch grid of the benchmark images, and the batch sizes to time per tower.
/// </summary>
public sealed record BenchmarkLayout(string Name, string Preset, int? NaflexPatches, (int H, int W)? NaflexGrid,
    int[] ImageBatches, int[] TextBatches)
{
    public Siglip2Config Config => ModelPresets.Get(Preset);

    /// <summary>Image tokens per image (the padded length for NaFlex).</summary>
    public int ImageTokens => NaflexPatches ?? Config.Vision!.ImageSize / Config.Vision.PatchSize * (Config.Vision.ImageSize / Config.Vision.PatchSize);

    public const int TextLength = 64;

    public static readonly BenchmarkLayout Base16 = new("B/16@224", "siglip2-base-patch16-224", null, null, [1, 8, 32], [1, 8, 32]);

    /// <summary>B/16 NaFlex at 256 patches: a 12×21 grid (a 4:7 photo) padded to 256. Its text tower equals B/16's.</summary>
    public static readonly BenchmarkLayout Base16Naflex256 = new("B/16 NaFlex 256", "siglip2-base-patch16-naflex", 256, (12, 21), [1, 8, 32], []);

    /// <summary>B/16 NaFlex at 1024 patches: a 24×42 grid padded to 1024 (attention is 16× the 256 case).</summary>
    public static readonly BenchmarkLayout Base16Naflex1024 = new("B/16 NaFlex 1024", "siglip2-base-patch16-naflex", 1024, (24, 42), [1, 8], []);

    /// <summary>So400m/14@224 (256 patches, width 1152, depth 27): batch 1 and 8 only, to keep the run short.</summary>
    public static readonly BenchmarkLayout So400m14 = new("So400m/14@224", "siglip2-so400m-patch14-224", null, null, [1, 8], [1, 8]);

    public static IReadOnlyList<BenchmarkLayout> Full => [Base16, Base16Naflex256, Base16Naflex1024, So400m14];

    public static IReadOnlyList<BenchmarkLayout> Quick => [Base16 with { ImageBatches = [8], TextBatches = [8] }];
}
