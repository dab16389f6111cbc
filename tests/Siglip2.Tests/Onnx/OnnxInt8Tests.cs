using Siglip2.Checkpoints;
using Siglip2.Onnx;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Siglip2.Tests.Onnx;

/// <summary>
/// The int8 graphs (dynamic u8 × s8 quantisation of every linear layer, per-output-channel weight scales): the weight
/// quantiser against its closed form, and int8 embeddings against the fp32 graph's on the tiny reference inputs.
/// </summary>
public class OnnxInt8Tests(ITestOutputHelper output)
{
    /// <summary>Bound on the tiny fixtures (64-wide random towers; real-size layouts are reported in docs/onnx.md).</summary>
    private const double MinCosine = 0.998;

    [Fact]
    public void WeightQuantisationIsSymmetricPerOutputChannel()
    {
        // (K = 2, N = 3), 63 levels: channel 0 max 0.63 → scale 0.01; channel 1 all zero → scale 1; channel 2 max
        // 1.26 → 0.02
        float[] w = [0.63f, 0f, -1.26f, -0.005f, 0f, 0.03f];
        var (q, scales) = Int8WeightQuantization.Quantize(w, 2, 3);
        Assert.Equal(0.01f, scales[0], 6);
        Assert.Equal(1f, scales[1]);
        Assert.Equal(0.02f, scales[2], 6);
        // −0.005 / 0.01 = −0.5 rounds to even (0); 0.03 / 0.02 = 1.5 rounds to even (2)
        Assert.Equal(new sbyte[] { 63, 0, -63, 0, 0, 2 }, q);
        Assert.Throws<Siglip2Exception>(() => Int8WeightQuantization.Quantize([float.NaN, 1f], 1, 2));
    }

    [Theory]
    [InlineData("siglip-tiny")]
    [InlineData("siglip2-naflex-tiny")]
    public void Int8EmbeddingsStayCloseToFloat32(string fixture)
    {
        using var model = CheckpointLoader.Load(FixturePaths.Path(fixture));
        using var expected = OrtRun.Expected(fixture);
        using var scope = NewDisposeScope();
        var imageInputs = model.Vision.Config.IsNaflex
            ? new[] { ("pixel_values", expected.ReadTensor("pixel_values", ScalarType.Float32)),
                      ("pixel_attention_mask", expected.ReadTensor("pixel_attention_mask", ScalarType.Int64)),
                      ("spatial_shapes", expected.ReadTensor("spatial_shapes", ScalarType.Int64)) }
            : new[] { ("pixel_values", expected.ReadTensor("pixel_values", ScalarType.Float32)) };
        var textInputs = new[] { ("input_ids", expected.ReadTensor("input_ids", ScalarType.Int64)) };
        foreach (var (tower, embeds, inputs) in new[] { ("vision", "image_embeds", imageInputs), ("text", "text_embeds", textInputs) })
        {
            OrtRun.Array32 Embed(OnnxPrecision p)
            {
                var proto = tower == "vision" ? OnnxTowerExport.BuildVision(model.Vision, p) : OnnxTowerExport.BuildText(model.Text, p);
                int integerProducts = proto.Graph.Node.Count(n => n.OpType == "MatMulInteger");
                Assert.Equal(p == OnnxPrecision.Int8, integerProducts > 0);
                using var session = OrtRun.Session(proto);
                return OrtRun.Run(session, inputs)[embeds];
            }
            var fp32 = Embed(OnnxPrecision.Float32);
            var int8 = Embed(OnnxPrecision.Int8);
            Assert.Equal(fp32.Shape, int8.Shape);
            int rows = (int)fp32.Shape[0], d = (int)fp32.Shape[1];
            double worst = 1, maxAbs = 0;
            for (int r = 0; r < rows; r++)
            {
                worst = Math.Min(worst, OrtRun.Cosine(fp32.Data.AsSpan(r * d, d), int8.Data.AsSpan(r * d, d)));
                for (int j = 0; j < d; j++) maxAbs = Math.Max(maxAbs, Math.Abs(fp32.Data[r * d + j] - int8.Data[r * d + j]));
            }
            output.WriteLine($"{fixture} {tower}: int8 vs fp32 cosine ≥ {worst:F5} over {rows} inputs (max |Δ| {maxAbs:E2})");
            Assert.True(worst >= MinCosine, $"{fixture} {tower}: cosine {worst} < {MinCosine}");
            Assert.True(maxAbs > 0, "the int8 graph should not be the fp32 graph");
        }
    }
}
