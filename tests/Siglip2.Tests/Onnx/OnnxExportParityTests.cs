using Siglip2.Checkpoints;
using Siglip2.Onnx;
using Siglip2.Tasks;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Siglip2.Tests.Onnx;

/// <summary>
/// The exported ONNX graphs of the tiny reference checkpoints, run by ONNX Runtime, reproduce the Hugging Face
/// reference outputs (tests/fixtures/*/expected.safetensors) within the manifest tolerances: both image layouts,
/// the text tower, batches of 1, 2 and all, and NaFlex sequences cut to different lengths.
/// </summary>
public class OnnxExportParityTests(ITestOutputHelper output)
{
    private static readonly long[][] Subsets = [[0], [2], [1, 0], [0, 1, 2]];

    private void AssertClose(string fixture, string name, OrtRun.Array32 actual, Tensor expected)
    {
        var tolerances = ReferenceVerification.ReadManifestTolerances(FixturePaths.Path(fixture, "manifest.json"));
        double tol = tolerances[name];
        double diff = OrtRun.MaxAbsDiff(actual, expected);
        output.WriteLine($"{fixture} {name} [{string.Join(",", actual.Shape)}]: max|Δ| {diff:E2} (tol {tol:E2})");
        Assert.True(diff <= tol, $"{fixture} {name}: max abs error {diff} > {tol}");
    }

    [Fact]
    public void FixedResolutionVisionMatchesReference()
    {
        const string fixture = "siglip-tiny";
        using var model = CheckpointLoader.Load(FixturePaths.Path(fixture));
        using var session = OrtRun.Session(OnnxTowerExport.BuildVision(model.Vision, OnnxPrecision.Float32));
        using var expected = OrtRun.Expected(fixture);
        using var scope = NewDisposeScope();
        var pixels = expected.ReadTensor("pixel_values", ScalarType.Float32);
        foreach (var subset in Subsets)
        {
            var rows = tensor(subset);
            var outputs = OrtRun.Run(session, ("pixel_values", pixels.index_select(0, rows)));
            AssertClose(fixture, "vision_last_hidden_state", outputs["last_hidden_state"], expected.ReadTensor("vision_last_hidden_state").index_select(0, rows));
            AssertClose(fixture, "vision_pooler_output", outputs["pooler_output"], expected.ReadTensor("vision_pooler_output").index_select(0, rows));
            AssertClose(fixture, "image_embeds", outputs["image_embeds"], expected.ReadTensor("image_embeds").index_select(0, rows));
        }
    }

    [Fact]
    public void NaflexVisionMatchesReferenceAcrossBatchesAndSequenceLengths()
    {
        const string fixture = "siglip2-naflex-tiny";
        using var model = CheckpointLoader.Load(FixturePaths.Path(fixture));
        using var session = OrtRun.Session(OnnxTowerExport.BuildVision(model.Vision, OnnxPrecision.Float32));
        using var expected = OrtRun.Expected(fixture);
        using var scope = NewDisposeScope();
        var pixels = expected.ReadTensor("pixel_values", ScalarType.Float32);
        var mask = expected.ReadTensor("pixel_attention_mask", ScalarType.Int64);
        var shapes = expected.ReadTensor("spatial_shapes", ScalarType.Int64);
        var distinct = new HashSet<(long, long)>();
        var lengths = new HashSet<long>();
        long[][] subsets = [[0], [3], [1, 2], [3, 0, 1], [0, 1, 2, 3]];
        foreach (var subset in subsets)
        {
            var rows = tensor(subset);
            var s = shapes.index_select(0, rows);
            foreach (long i in subset) distinct.Add((shapes[i, 0].item<long>(), shapes[i, 1].item<long>()));
            // the full padded length, and the batch's own longest image: padding never changes real rows
            long longest = (s[.., 0] * s[.., 1]).max().item<long>();
            foreach (long n in new[] { pixels.shape[1], longest }.Distinct())
            {
                lengths.Add(n);
                var outputs = OrtRun.Run(session,
                    ("pixel_values", pixels.index_select(0, rows).narrow(1, 0, n)),
                    ("pixel_attention_mask", mask.index_select(0, rows).narrow(1, 0, n)),
                    ("spatial_shapes", s));
                AssertClose(fixture, "vision_last_hidden_state", outputs["last_hidden_state"],
                    expected.ReadTensor("vision_last_hidden_state").index_select(0, rows).narrow(1, 0, n));
                AssertClose(fixture, "vision_pooler_output", outputs["pooler_output"], expected.ReadTensor("vision_pooler_output").index_select(0, rows));
                AssertClose(fixture, "image_embeds", outputs["image_embeds"], expected.ReadTensor("image_embeds").index_select(0, rows));
            }
        }
        Assert.True(distinct.Count >= 3, "the fixture's images should have several patch grids");
        Assert.True(lengths.Count >= 3, "several sequence lengths should have run");
    }

    [Theory]
    [InlineData("siglip-tiny")]
    [InlineData("siglip2-naflex-tiny")]
    public void TextMatchesReference(string fixture)
    {
        using var model = CheckpointLoader.Load(FixturePaths.Path(fixture));
        using var session = OrtRun.Session(OnnxTowerExport.BuildText(model.Text, OnnxPrecision.Float32));
        using var expected = OrtRun.Expected(fixture);
        using var scope = NewDisposeScope();
        var ids = expected.ReadTensor("input_ids", ScalarType.Int64);
        foreach (var subset in Subsets)
        {
            var rows = tensor(subset);
            var outputs = OrtRun.Run(session, ("input_ids", ids.index_select(0, rows)));
            AssertClose(fixture, "text_last_hidden_state", outputs["last_hidden_state"], expected.ReadTensor("text_last_hidden_state").index_select(0, rows));
            AssertClose(fixture, "text_pooler_output", outputs["pooler_output"], expected.ReadTensor("text_pooler_output").index_select(0, rows));
            AssertClose(fixture, "text_embeds", outputs["text_embeds"], expected.ReadTensor("text_embeds").index_select(0, rows));
        }
    }

    [Fact]
    public void ShorterTextMatchesTheTorchTower()
    {
        // The reference holds one length (16); a shorter sequence is compared with the torch tower, itself
        // checked against the reference by ReferenceParityTests: the graph must pool the last of ITS positions.
        const string fixture = "siglip-tiny";
        using var model = CheckpointLoader.Load(FixturePaths.Path(fixture));
        using var session = OrtRun.Session(OnnxTowerExport.BuildText(model.Text, OnnxPrecision.Float32));
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var ids = tensor(new long[] { 5, 9, 17, 1, 0, 0, 0, 0, 40, 41, 42, 43, 44, 45, 46, 1 }, [2, 8]);
        var outputs = OrtRun.Run(session, ("input_ids", ids));
        using var torchOut = model.Text.Forward(ids);
        double diff = OrtRun.MaxAbsDiff(outputs["pooler_output"], torchOut.PoolerOutput!);
        output.WriteLine($"length 8 pooler_output vs torch: {diff:E2}");
        Assert.True(diff <= 1e-5, $"max abs error {diff}");
        Assert.True(OrtRun.MaxAbsDiff(outputs["last_hidden_state"], torchOut.LastHiddenState) <= 1e-5);
    }

    [Fact]
    public void NaflexGridsBeyondTheFixtureMatchTheTorchTower()
    {
        // Patch grids the reference lacks (a 1-row strip, a shrink on both sides, odd up/down mixes) against the torch
        // tower (checked against the reference by ReferenceParityTests), with a padded batch.
        const string fixture = "siglip2-naflex-tiny";
        using var model = CheckpointLoader.Load(FixturePaths.Path(fixture));
        using var session = OrtRun.Session(OnnxTowerExport.BuildVision(model.Vision, OnnxPrecision.Float32));
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        // not a one-column grid with another height: there libtorch 2.10's antialiased bilinear interpolate returns one
        // value for the whole column (a libtorch bug; OnnxResizeTests checks the graph's resize against the closed form)
        long[,] grids = { { 1, 40 }, { 2, 2 }, { 7, 9 }, { 4, 1 } };
        long n = 64, b = grids.GetLength(0);
        var generator = new TorchSharp.torch.Generator(7);
        var pixels = rand([b, n, model.Vision.Config.PatchDim], generator: generator) * 2 - 1;
        var shapes = tensor(new long[] { 1, 40, 2, 2, 7, 9, 4, 1 }, [b, 2]);
        var mask = zeros([b, n], ScalarType.Int64);
        for (int i = 0; i < b; i++) mask[i].narrow(0, 0, grids[i, 0] * grids[i, 1]).fill_(1);
        var outputs = OrtRun.Run(session, ("pixel_values", pixels), ("pixel_attention_mask", mask), ("spatial_shapes", shapes));
        using var reference = model.Vision.Forward(pixels, mask, shapes);
        for (int i = 0; i < b; i++)
        {
            var row = new OrtRun.Array32(outputs["pooler_output"].Data.Skip(i * 64).Take(64).ToArray(), [64]);
            output.WriteLine($"grid ({grids[i, 0]}, {grids[i, 1]}): pooler_output max|Δ| {OrtRun.MaxAbsDiff(row, reference.PoolerOutput![i]):E2}");
        }
        double pooled = OrtRun.MaxAbsDiff(outputs["pooler_output"], reference.PoolerOutput!);
        double last = OrtRun.MaxAbsDiff(outputs["last_hidden_state"], reference.LastHiddenState);
        output.WriteLine($"grids beyond the fixture: pooler_output {pooled:E2}, last_hidden_state {last:E2}");
        Assert.True(pooled <= 1e-5 && last <= 2e-5, $"pooler {pooled}, last {last}");
    }

    [Fact]
    public void LargeWeightsGoToExternalDataThatOnnxRuntimeReads()
    {
        const string fixture = "siglip-tiny";
        using var model = CheckpointLoader.Load(FixturePaths.Path(fixture));
        using var dir = new TempDirectory();
        string path = System.IO.Path.Combine(dir.Path, "text_model.onnx");
        var result = OnnxTowerExport.WriteText(model.Text, path, new OnnxExportOptions { ExternalDataThreshold = 0 });
        Assert.Equal(path + "_data", result.ExternalDataPath);
        long dataBytes = new FileInfo(path + "_data").Length;
        Assert.True(dataBytes > result.WeightBytes * 9 / 10, $"the external data file holds {dataBytes} of {result.WeightBytes} weight bytes");
        long modelBytes = new FileInfo(path).Length;
        Assert.True(modelBytes < result.WeightBytes / 2, $"the weights should not be inside the model file ({modelBytes} of {result.WeightBytes} bytes)");
        using var session = Siglip2.Onnx.OnnxSessionFactory.Open(path, threads: 1);
        using var expected = OrtRun.Expected(fixture);
        using var scope = NewDisposeScope();
        var outputs = OrtRun.Run(session, ("input_ids", expected.ReadTensor("input_ids", ScalarType.Int64)));
        AssertClose(fixture, "text_pooler_output", outputs["pooler_output"], expected.ReadTensor("text_pooler_output"));

        // a later export small enough for one file removes the stale data file
        OnnxTowerExport.WriteText(model.Text, path);
        Assert.False(File.Exists(path + "_data"));
    }
}
