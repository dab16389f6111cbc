using Siglip2.Checkpoints;
using Siglip2.Tasks;
using Siglip2.Tasks.Benchmarking;
using Siglip2.Tests.Api;
using Siglip2.Tests.Reliability;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Siglip2.Tests.Onnx;

/// <summary>
/// `--dtype auto`: the chooser is a pure function of measured timings and gate cosines (fastest allowed, never slower
/// than torch fp32, no reduced precision that failed the gate); the calibration is cached and reused; `embed` with
/// auto equals fp32 within the tolerance of the path it chose; the built-in calibration images are deterministic.
/// </summary>
public class AutoPathTests(ITestOutputHelper output)
{
    private static readonly InferencePath T32 = InferencePath.TorchFloat32, T16 = InferencePath.TorchBFloat16,
        O32 = InferencePath.OnnxFloat32, O8 = InferencePath.OnnxInt8;

    private static PathMeasurement M(InferencePath p, double seconds, double? cosine = 1.0, string tower = "image") => new(p, tower, seconds, cosine);

    [Fact]
    public void TheFastestAllowedPathIsChosen()
    {
        var choice = AutoPathChooser.Choose([M(T32, 2.0), M(T16, 1.5, 0.999), M(O32, 1.0), M(O8, 0.5, 0.9995)]);
        Assert.Equal(O8, choice.Path);
        Assert.Equal(4.0, choice.Speedup, 12);
        Assert.Equal(0.9995, choice.Cosine);
        Assert.Contains("onnx int8 (4.0× torch fp32 here; int8 cosine 0.9995)", choice.Note(cached: false));
    }

    [Fact]
    public void AReducedPrecisionThatFailsTheGateIsRefusedEvenWhenFastest()
    {
        var choice = AutoPathChooser.Choose([M(T32, 2.0), M(T16, 0.8, 0.95), M(O32, 1.6), M(O8, 0.4, 0.989)]);
        Assert.Equal(O32, choice.Path);
        Assert.Equal([T16, O8], choice.Refused);
        Assert.Contains("refused by the accuracy gate: torch bf16, onnx int8", choice.Note(cached: true));
        // a gate never measured counts as failed
        Assert.Equal(T32, AutoPathChooser.Choose([M(T32, 2.0), M(O8, 0.4, cosine: null)]).Path);
    }

    [Fact]
    public void NothingSlowerThanTorchFp32IsChosen()
    {
        var choice = AutoPathChooser.Choose([M(T32, 1.0), M(T16, 1.3, 0.999), M(O32, 1.2), M(O8, 1.0, 0.999)]);
        Assert.Equal(T32, choice.Path); // a tie stays on fp32
        Assert.Equal(1.0, choice.Speedup);
        Assert.Contains("chose torch fp32", choice.Note(cached: false));
        // failed paths (time ≤ 0 or NaN in the cache) are not candidates
        Assert.Equal(T32, AutoPathChooser.Choose([M(T32, 1.0), M(O8, -1, 0.999), M(O32, double.NaN)]).Path);
    }

    [Fact]
    public void TwoTowersAreWeighedByTheirMeanRelativeTimeAndBothGates()
    {
        // int8 is 4× on images but fails the text gate; onnx fp32 is 1.25× on both; bf16 3× on images, 0.5× on text
        var rows = new[]
        {
            M(T32, 2.0), M(T16, 0.667, 0.999), M(O32, 1.6), M(O8, 0.5, 0.999),
            M(T32, 1.0, tower: "text"), M(T16, 2.0, 0.999, "text"), M(O32, 0.8, tower: "text"), M(O8, 0.3, 0.98, "text"),
        };
        var choice = AutoPathChooser.Choose(rows);
        Assert.Equal(O32, choice.Path);
        Assert.Equal(1.25, choice.Speedup, 9);
        Assert.Equal([O8], choice.Refused);
    }

    [Fact]
    public void ABackendLimitsTheCandidatesAndItsFp32IsTheFallback()
    {
        var onnxOnly = InferencePath.All.Where(p => p.Backend == Siglip2Backend.Onnx).ToList();
        Assert.Equal(O8, AutoPathChooser.Choose([M(T32, 2.0), M(O32, 1.0), M(O8, 0.5, 0.999)], onnxOnly).Path);
        // --backend onnx: onnx fp32 even though slower than torch fp32 (the user asked for the backend)
        var slow = AutoPathChooser.Choose([M(T32, 1.0), M(O32, 1.5), M(O8, 1.6, 0.999)], onnxOnly);
        Assert.Equal(O32, slow.Path);
        Assert.Throws<Siglip2Exception>(() => AutoPathChooser.Choose([M(O32, 1.0)]));
    }

    [Fact]
    public void TheCalibrationImagesAreDeterministicAndDistinct()
    {
        var a = CalibrationInputs.Images();
        var b = CalibrationInputs.Images();
        Assert.Equal(CalibrationInputs.Count, a.Count);
        Assert.All(a.Zip(b), p => Assert.Equal(p.First.Pixels, p.Second.Pixels));
        Assert.Equal(a.Count, a.Select(i => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(i.Pixels))).Distinct().Count());
        Assert.All(a, i => Assert.True(i.Pixels.Distinct().Count() > 16, "a flat image"));
        Assert.Equal(CalibrationInputs.Count, CalibrationInputs.Texts.Count);
    }

    [Fact]
    public void TheCalibrationIsCachedAndTheSecondResolutionMeasuresNothing()
    {
        using var tmp = new TempDirectory();
        using var checkpoint = ApiReference.FolderWithTokenizer(ApiReference.Fixed);
        var cache = new AutoPathCache(tmp.File("auto"));
        var reports = new List<string>();
        var progress = new SyncProgress(reports.Add);
        var first = AutoPath.Resolve(checkpoint.Path, ["image", "text"], 8, onnxCache: tmp.File("onnx"), cache: cache, progress: progress);
        Assert.False(first.Cached);
        Assert.Contains(reports, r => r.Contains("calibrating onnx int8 on the text tower"));
        Assert.Equal(8, first.Measurements.Count); // 4 paths × 2 towers
        Assert.All(first.Measurements.Where(m => m.Path.IsReduced), m => Assert.InRange(m.Cosine!.Value, 0.99, 1.0));
        output.WriteLine(string.Join("\n", first.Measurements.Select(m => $"{m.Tower} {m.Path}: {m.Seconds * 1000:F2} ms, cosine {m.Cosine:F6}")));
        output.WriteLine(first.Choice.Note(first.Cached));
        Assert.Equal(2, Directory.GetFiles(tmp.File("auto"), "*.json").Length);
        reports.Clear();
        var second = AutoPath.Resolve(checkpoint.Path, ["text", "image"], 32, onnxCache: tmp.File("onnx"), cache: cache, progress: progress);
        Assert.True(second.Cached);
        Assert.Empty(reports);
        Assert.Equal(first.Choice.Path, second.Choice.Path);
        Assert.Equal(first.Measurements.OrderBy(m => m.Tower).ThenBy(m => m.Path.ToString()).Select(m => m.Seconds),
            second.Measurements.OrderBy(m => m.Tower).ThenBy(m => m.Path.ToString()).Select(m => m.Seconds));
        // batch class 1 is another entry
        Assert.False(AutoPath.Resolve(checkpoint.Path, ["text"], 1, onnxCache: tmp.File("onnx"), cache: cache).Cached);
    }

    [Fact]
    public void EmbedWithAutoEqualsFp32WithinTheChosenPathsTolerance()
    {
        using var tmp = new TempDirectory();
        using var checkpoint = ApiReference.FolderWithTokenizer(ApiReference.Fixed);
        var images = ApiReference.Images(ApiReference.Fixed);
        var args = new List<string> { "embed", "--model", checkpoint.Path };
        foreach (var text in ApiReference.ReferenceTexts(ApiReference.Fixed)) { args.Add("--text"); args.Add(text); }
        foreach (var image in images) { args.Add("--image"); args.Add(image); }
        var fp32 = CliRun.Main([.. args, "--dtype", "fp32", "--output", tmp.File("fp32.safetensors")]);
        Assert.True(fp32.ExitCode == 0, fp32.StdErr);
        var auto = CliRun.Main([.. args, "--dtype", "auto", "--output", tmp.File("auto.safetensors")]);
        Assert.True(auto.ExitCode == 0, auto.StdErr);
        string note = auto.StdErr.Split('\n').Single(l => l.StartsWith("siglip2: --dtype auto chose ", StringComparison.Ordinal));
        output.WriteLine(note);
        var path = InferencePath.All.Single(p => note.StartsWith($"siglip2: --dtype auto chose {p} ", StringComparison.Ordinal));
        // fp32 paths agree to float rounding; reduced ones passed the 0.99 cosine gate on the calibration set
        double minCosine = path.IsReduced ? AutoPathChooser.GateCosine : 0.999999;
        using var a = SafeTensorsFile.Open(tmp.File("fp32.safetensors"));
        using var b = SafeTensorsFile.Open(tmp.File("auto.safetensors"));
        foreach (var name in new[] { "image_embeds", "text_embeds" })
        {
            using var scope = NewDisposeScope();
            var x = a.ReadTensor(name).to_type(ScalarType.Float64);
            var y = b.ReadTensor(name).to_type(ScalarType.Float64);
            double cosine = (x * y).sum(1).div(x.norm(1) * y.norm(1)).min().item<double>();
            output.WriteLine($"{name}: min cosine auto vs fp32 {cosine:F7}");
            Assert.InRange(cosine, minCosine, 1.0 + 1e-9);
        }
        // the second run reads the calibration from the cache
        var again = CliRun.Main([.. args, "--dtype", "auto", "--output", tmp.File("again.safetensors")]);
        Assert.True(again.ExitCode == 0, again.StdErr);
        Assert.Contains("cached calibration", again.StdErr);
    }

    [Fact]
    public void VerifyStaysFp32()
    {
        var r = CliRun.Main("verify", "--model", FixturePaths.Path("siglip-tiny"));
        Assert.DoesNotContain("--dtype auto", r.StdErr);
    }

    private sealed class SyncProgress(Action<string> report) : IProgress<string>
    {
        public void Report(string value) => report(value);
    }
}
