using System.Text.Json.Nodes;
using Siglip2.Data;
using Siglip2.Processing.Images;
using Siglip2.Tasks.Evaluation;
using Siglip2.Tests.Api;
using Siglip2.Tests.Data;
using Siglip2.Tests.Reliability;
using SkiaSharp;

namespace Siglip2.Tests.Tasks;

/// <summary>
/// The depth probe's parts against hand-computed values: 16-bit PNG reading (values SkiaSharp encoded), the scene depth
/// map's rule, the metrics, patch means, a constant depth the ridge bias must recover, and the user-folder CLI path.
/// </summary>
public class DepthProbeTests
{
    internal static byte[] Png16(int w, int h, Func<int, int, ushort> value)
    {
        var px = new ushort[w * h * 4];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                int i = 4 * (y * w + x);
                px[i] = px[i + 1] = px[i + 2] = value(x, y);
                px[i + 3] = 65535;
            }
        var info = new SKImageInfo(w, h, SKColorType.Rgba16161616, SKAlphaType.Unpremul);
        unsafe
        {
            fixed (ushort* p = px)
            {
                using var pixmap = new SKPixmap(info, (IntPtr)p);
                using var data = pixmap.Encode(SKPngEncoderOptions.Default) ?? throw new InvalidOperationException("SkiaSharp could not encode a 16-bit PNG");
                return data.ToArray();
            }
        }
    }

    [Fact]
    public void SixteenBitPngsReadBackExactlyAndBadOnesAreOneLineErrors()
    {
        var random = new Random(1);
        var expected = new ushort[37 * 23];
        for (int i = 0; i < expected.Length; i++) expected[i] = (ushort)random.Next(65536);
        byte[] png = Png16(37, 23, (x, y) => expected[y * 37 + x]);
        var (w, h, values, bits) = Png16Reader.ReadFirstChannel(png, "d.png");
        Assert.Equal((37, 23, 16), (w, h, bits));
        Assert.Equal(expected, values);
        var gray8 = Processing.Images.EncodedImages.SkiaEncode(3, 2, [10, 10, 10, 20, 20, 20, 30, 30, 30, 40, 40, 40, 50, 50, 50, 60, 60, 60], SKEncodedImageFormat.Png, 100);
        Assert.Equal(new ushort[] { 10, 20, 30, 40, 50, 60 }, Png16Reader.ReadFirstChannel(gray8, "l.png").Values);
        Assert.Contains("d.png", Assert.Throws<Siglip2Exception>(() => Png16Reader.ReadFirstChannel(png[..(png.Length / 2)], "d.png")).Message);
        Assert.Throws<Siglip2Exception>(() => Png16Reader.ReadFirstChannel("not a png at all, just text"u8, "x"));
    }

    [Fact]
    public void SceneDepthFollowsItsRule()
    {
        var scenes = new FashionScenes(SharedFashionMnist.Data, new FashionScenesConfig { Seed = 3 }, SceneSplit.HeldOut);
        var scene = scenes.Stream(0, 50).First(s => s.Kind == SceneKind.MultiItem);
        var depth = SceneDepth.Map(scene);
        int w = scene.Width, h = scene.Height, canvas = Math.Max(w, h);
        foreach (var item in scene.Items)
        {
            float d = Math.Clamp(2f * canvas / Math.Max(item.Box.Width, item.Box.Height), 1f, 10f);
            int covered = 0;
            for (int y = item.Box.Y0; y < item.Box.Y1; y++)
                for (int x = item.Box.X0; x < item.Box.X1; x++)
                    if (scene.ClassMask[y * w + x] == item.ClassId + 1) { Assert.Equal(d, depth[y * w + x]); covered++; }
            Assert.True(covered > 0);
        }
        // a background pixel in the top row is 10 m away, one in the bottom row 4 m
        int top = Enumerable.Range(0, w).First(x => scene.ClassMask[x] == 0), bottom = Enumerable.Range(0, w).First(x => scene.ClassMask[(h - 1) * w + x] == 0);
        Assert.Equal(10f, depth[top]);
        Assert.Equal(4f, depth[(h - 1) * w + bottom], 5);
    }

    [Fact]
    public void MetricsAndPatchMeansByHand()
    {
        var (rmse, delta1, absRel) = DepthProbe.Metrics([1.0, 2.0, 4.0, 3.0], [1.0, 2.5, 2.0, 3.0]);
        Assert.Equal(Math.Sqrt((0 + 0.25 + 4 + 0) / 4), rmse, 12);
        Assert.Equal(0.5, delta1, 12);              // ratios 1, 1.25 (not below 1.25), 2, 1
        Assert.Equal((0 + 0.2 + 1 + 0) / 4, absRel, 12);
        // a 4×2 map, grid 2: patches are 2×1 blocks; 0 = unknown
        float[] map = [1, 3, 0, 0, 5, 0, 2, 2];
        var patches = DepthProbe.PatchDepths(map, 4, 2, 2);
        Assert.Equal(2.0, patches[0], 12);
        Assert.True(double.IsNaN(patches[1]));
        Assert.Equal(5.0, patches[2], 12);
        Assert.Equal(2.0, patches[3], 12);
    }

    [Fact]
    public void AConstantDepthIsRecoveredAndTheUserFolderPathRuns()
    {
        using var checkpoint = ApiReference.FolderWithTokenizer(ApiReference.Fixed);
        using var tmp = new TempDirectory();
        string folder = tmp.File("depth");
        Directory.CreateDirectory(folder);
        var random = new Random(2);
        for (int i = 0; i < 10; i++)
        {
            int w = 20 + i, h = 18;
            var rgb = new byte[w * h * 3];
            random.NextBytes(rgb);
            File.WriteAllBytes(Path.Combine(folder, $"im{i}.png"), Processing.Images.EncodedImages.SkiaEncode(w, h, rgb, SKEncodedImageFormat.Png, 100));
            File.WriteAllBytes(Path.Combine(folder, $"im{i}.depth.png"), Png16(w, h, (x, y) => (ushort)(x == 0 ? 0 : 3000)));   // 3 m, first column unknown
            var labels = new byte[w * h * 3];
            for (int p = 0; p < w * h; p++) labels[3 * p] = labels[3 * p + 1] = labels[3 * p + 2] = (byte)(p % w < w / 2 ? 0 : p / w == 0 ? 255 : 2);
            File.WriteAllBytes(Path.Combine(folder, $"im{i}.label.png"), Processing.Images.EncodedImages.SkiaEncode(w, h, labels, SKEncodedImageFormat.Png, 100));
        }
        File.WriteAllBytes(Path.Combine(folder, "lonely.png"), Processing.Images.EncodedImages.SkiaEncode(2, 2, new byte[12], SKEncodedImageFormat.Png, 100));
        File.WriteAllBytes(Path.Combine(folder, "wrong.png"), Processing.Images.EncodedImages.SkiaEncode(4, 4, new byte[48], SKEncodedImageFormat.Png, 100));
        File.WriteAllBytes(Path.Combine(folder, "wrong.depth.png"), Png16(5, 4, (_, _) => 1000));
        var data = DenseProbeFolder.Load(folder);
        Assert.Equal(2, data.Skipped.Count);
        Assert.Equal(6, data.Train.Count);
        Assert.Equal(4, data.Test.Count);
        Assert.Equal(0f, data.Train[0].Depth![0]);
        Assert.Equal(3f, data.Train[0].Depth![1]);
        Assert.Equal(0, data.Train[0].Labels![0]);
        Assert.Equal(255, data.Train[0].Labels![data.Train[0].Image.Width - 1]);   // first row, right half: ignored
        Assert.Equal(2, data.Train[0].Labels![2 * data.Train[0].Image.Width - 1]);

        var r = CliRun.Main("eval", "--model", checkpoint.Path, "--probe-data", folder, "--json");
        Assert.True(r.ExitCode == 0, r.StdErr);
        var json = JsonNode.Parse(r.StdOut)!;
        Assert.True((double)json["depth"]!["rmse"]! < 1e-3, r.StdOut);   // the bias alone carries a constant depth
        Assert.Equal(1.0, (double)json["depth"]!["delta1"]!);
        Assert.InRange((double)json["segmentation"]!["mean_iou"]!, 0, 1);
        Assert.Equal(2, (int)json["skipped"]!);
        Assert.Equal(1, CliRun.Main("eval", "--model", checkpoint.Path, "--depth-data", tmp.File("nothing")).ExitCode);
    }
}
