using Siglip2.Checkpoints;
using Siglip2.Configuration;
using Siglip2.Modeling;
using Siglip2.Processing.Images;
using Siglip2.Tests.Training;
using Siglip2.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Siglip2.Tests.Modeling;

/// <summary>The layout changes of the SigLIP 2 continuation stages: fixed → NaFlex, and a new fixed resolution.</summary>
public class VisionTowerConversionTests
{
    /// <summary>A fixed-resolution dual-tower model at 28×28 with 7×7 patches (a 4×4 grid), seeded init.</summary>
    private static Siglip2Model FixedModel(int seed = 3)
    {
        var config = TinyModels.Fixed() with
        {
            Vision = TinyModels.Fixed().Vision! with { ImageSize = 28, PatchSize = 7 },
        };
        var model = new Siglip2Model(config);
        ModelInitializer.Initialize(model, seed);
        // the position table is N(0, 1/width) after init: make it large so that a wrong position order would show
        using (torch.no_grad()) model.Vision.FixedEmbeddings!.PositionEmbedding.weight!.mul_(20);
        model.eval();
        return model;
    }

    private static RgbImage RandomImage(int width, int height, int seed)
    {
        var rng = new Random(seed);
        var pixels = new byte[width * height * 3];
        rng.NextBytes(pixels);
        return new RgbImage(width, height, pixels);
    }

    private static PreprocessorConfig Processor(bool naflex, int size = 28, int patches = 16) =>
        PreprocessorConfig.Parse((TrainingRecipe.Get("tiny") with { Naflex = naflex, ImageSize = size, MaxNumPatches = patches }).PreprocessorConfigJson(), "test");

    private static Tensor Embed(Siglip2Model model, ImageBatch batch)
    {
        using var _ = torch.inference_mode();
        var t = batch.ToTensors();
        return batch.IsNaFlex
            ? model.EmbedImages(t[ImageBatch.PixelValuesName], t[ImageBatch.PixelAttentionMaskName], t[ImageBatch.SpatialShapesName])
            : model.EmbedImages(t[ImageBatch.PixelValuesName]);
    }

    [Fact]
    public void ConvertedNaflexModelGivesTheFixedModelsEmbeddingsOnTheSameSquareImages()
    {
        using var scope = NewDisposeScope();
        using var fixedModel = FixedModel();
        using var naflex = VisionTowerConversion.Apply(fixedModel, new FixedToNaflexConversion());
        naflex.eval();
        Assert.Equal(Siglip2Config.NaflexModelType, naflex.Config.ModelType);
        Assert.True(naflex.Config.Vision!.IsNaflex);
        Assert.Equal(16, naflex.Config.Vision.NumPatches);
        Assert.Equal("siglip2_text_model", naflex.Config.Text!.ModelType);

        // the same 28×28 images through each layout's own (independently verified) image processor
        var images = Enumerable.Range(0, 3).Select(i => RandomImage(28, 28, 10 + i)).ToList();
        var fixedBatch = ImageProcessorFactory.Create(Processor(naflex: false)).Preprocess(images);
        var naflexBatch = ImageProcessorFactory.Create(Processor(naflex: true)).Preprocess(images);
        Assert.Equal(new long[] { 4, 4, 4, 4, 4, 4 }, naflexBatch.SpatialShapes);
        var a = Embed(fixedModel, fixedBatch);
        var b = Embed(naflex, naflexBatch);
        Assert.True((a - b).abs().max().item<float>() < 2e-5f, $"max difference {(a - b).abs().max().item<float>()}");

        // saved and loaded as a Hugging Face "siglip2" checkpoint, it still gives the same embeddings
        using var dir = new TempDirectory();
        CheckpointWriter.Save(naflex, dir.Path);
        using var loaded = CheckpointLoader.Load(dir.Path);
        loaded.eval();
        Assert.True(loaded.Config.IsNaflex);
        var c = Embed(loaded, naflexBatch);
        Assert.True((a - c).abs().max().item<float>() < 2e-5f);

        // and it takes other aspect ratios: a 4:1 strip becomes a 2×8 grid at 16 patches
        var wide = ImageProcessorFactory.Create(Processor(naflex: true)).Preprocess([RandomImage(84, 21, 5)]);
        Assert.Equal(new long[] { 2, 8 }, wide.SpatialShapes);
        Assert.Equal(new long[] { 1, 32 }, Embed(naflex, wide).shape);
    }

    [Fact]
    public void LinearPatchWeightIsTheConvolutionFlattenedByRowColumnChannel()
    {
        using var scope = NewDisposeScope();
        // conv[d, c, y, x] = 1000 d + 100 c + 10 y + x: each entry names its own position
        int d = 2, channels = 3, p = 2;
        var values = new float[d * channels * p * p];
        for (int i = 0; i < d; i++) for (int c = 0; c < channels; c++) for (int y = 0; y < p; y++) for (int x = 0; x < p; x++)
            values[((i * channels + c) * p + y) * p + x] = 1000 * i + 100 * c + 10 * y + x;
        var linear = FixedToNaflexConversion.ConvWeightToLinear(torch.tensor(values, [d, channels, p, p])).data<float>().ToArray();
        // Hugging Face flattens a patch as (row, column, channel): column index (y·p + x)·C + c
        for (int i = 0; i < d; i++) for (int y = 0; y < p; y++) for (int x = 0; x < p; x++) for (int c = 0; c < channels; c++)
            Assert.Equal(1000 * i + 100 * c + 10 * y + x, linear[i * p * p * channels + (y * p + x) * channels + c]);
    }

    [Fact]
    public void NaflexOrWrongSizedModelsAreRefused()
    {
        using var naflex = new Siglip2Model(TinyModels.Naflex());
        var e = Assert.Throws<Siglip2Exception>(() => VisionTowerConversion.Apply(naflex, new FixedToNaflexConversion()));
        Assert.Contains("already NaFlex", e.Message);
        Assert.Throws<Siglip2Exception>(() => VisionTowerConversion.Apply(naflex, new FixedResolutionChange(12, 4)));
        Assert.Contains("multiple of the patch size", Assert.Throws<Siglip2Exception>(() => new FixedResolutionChange(30, 7)).Message);
    }

    /// <summary>PyTorch's bicubic kernel (A = −0.75), separable, align_corners = false, border indices clamped.</summary>
    private static double[,] BicubicReference(double[,] grid, int size)
    {
        const double A = -0.75;
        static double Near(double x) => ((A + 2) * x - (A + 3)) * x * x + 1;          // |x| ≤ 1
        static double Far(double x) => ((A * x - 5 * A) * x + 8 * A) * x - 4 * A;      // 1 < |x| < 2
        int n = grid.GetLength(0);
        double[] Weights(double t) => [Far(t + 1), Near(t), Near(1 - t), Far(2 - t)];
        var rows = new double[size, n];
        double scale = (double)n / size;
        for (int i = 0; i < size; i++)
        {
            double src = (i + 0.5) * scale - 0.5;
            int i0 = (int)Math.Floor(src);
            var w = Weights(src - i0);
            for (int col = 0; col < n; col++)
                for (int k = 0; k < 4; k++) rows[i, col] += w[k] * grid[Math.Clamp(i0 - 1 + k, 0, n - 1), col];
        }
        var result = new double[size, size];
        for (int j = 0; j < size; j++)
        {
            double src = (j + 0.5) * scale - 0.5;
            int j0 = (int)Math.Floor(src);
            var w = Weights(src - j0);
            for (int row = 0; row < size; row++)
                for (int k = 0; k < 4; k++) result[row, j] += w[k] * rows[row, Math.Clamp(j0 - 1 + k, 0, n - 1)];
        }
        return result;
    }

    [Fact]
    public void NewResolutionResizesThePositionTableToTheNewGridAndKeepsEverythingElse()
    {
        using var scope = NewDisposeScope();
        using var small = FixedModel(seed: 5);
        var change = new FixedResolutionChange(42, 7);
        using var big = VisionTowerConversion.Apply(small, change);
        Assert.Equal(42, big.Config.Vision!.ImageSize);
        Assert.False(big.Config.IsNaflex);
        var before = small.Vision.FixedEmbeddings!.PositionEmbedding.weight!;
        var after = big.Vision.FixedEmbeddings!.PositionEmbedding.weight!;
        Assert.Equal(new long[] { 36, 32 }, after.shape);
        // every channel of the 4×4 table against an independent bicubic resampler, 4×4 → 6×6
        var table = before.data<float>().ToArray();
        var resized = after.data<float>().ToArray();
        for (int ch = 0; ch < 32; ch += 7)
        {
            var grid = new double[4, 4];
            for (int r = 0; r < 4; r++) for (int c = 0; c < 4; c++) grid[r, c] = table[(r * 4 + c) * 32 + ch];
            var expected = BicubicReference(grid, 6);
            for (int r = 0; r < 6; r++) for (int c = 0; c < 6; c++)
                Assert.Equal(expected[r, c], resized[(r * 6 + c) * 32 + ch], 3);
        }
        // all other tensors are copied unchanged
        var smallState = small.state_dict();
        foreach (var (name, t) in big.state_dict())
            if (!name.EndsWith("position_embedding.weight", StringComparison.Ordinal) || name.StartsWith("text_model", StringComparison.Ordinal))
                Assert.True(t.SameAs(smallState[name]), name);
        // the resized model runs at 42×42
        var batch = ImageProcessorFactory.Create(Processor(naflex: false, size: 42)).Preprocess([RandomImage(50, 30, 1)]);
        Assert.Equal(new long[] { 1, 32 }, Embed(big, batch).shape);
    }

    [Fact]
    public void SecondMomentsAreResizedBilinearlyAndStayNonNegative()
    {
        using var scope = NewDisposeScope();
        // 2×2 grid [[a, b], [c, d]] → 4×4 bilinear, align_corners = false: weights per axis (1, ¾, ¼, 0)
        double a = 1, b = 5, c = 0, d = 7;
        var moment = torch.tensor(new[] { (float)a, (float)b, (float)c, (float)d }, [4, 1]);
        var change = new FixedResolutionChange(8, 2);
        var big = change.ConvertTensor(FixedResolutionChange.PositionWeightName, moment, TensorRole.SecondMoment).data<float>().ToArray();
        double[] w = [1, 0.75, 0.25, 0];
        for (int y = 0; y < 4; y++)
            for (int x = 0; x < 4; x++)
                Assert.Equal(w[y] * (w[x] * a + (1 - w[x]) * b) + (1 - w[y]) * (w[x] * c + (1 - w[x]) * d), big[y * 4 + x], 5);
        // bicubic overshoots below zero next to a spike; the second moment must not
        var spike = torch.tensor(new float[] { 0, 0, 0, 0, 9, 0, 0, 0, 0 }, [9, 1]);
        var first = change.ConvertTensor(FixedResolutionChange.PositionWeightName, spike, TensorRole.FirstMoment);
        var second = change.ConvertTensor(FixedResolutionChange.PositionWeightName, spike, TensorRole.SecondMoment);
        Assert.True(first.min().item<float>() < 0);
        Assert.True(second.min().item<float>() >= 0);
        // tensors outside the position table pass through
        Assert.True(change.ConvertTensor("encoder.layers.0.mlp.fc1.weight", spike, TensorRole.SecondMoment).SameAs(spike));
    }
}
