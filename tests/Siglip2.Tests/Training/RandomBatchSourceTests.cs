using Siglip2.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Siglip2.Tests.Training;

public class RandomBatchSourceTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void BatchesAreAFunctionOfTheStep(bool naflex)
    {
        var config = naflex ? TinyModels.Naflex() : TinyModels.Fixed();
        var source = new RandomBatchSource(config, 4, seed: 9);
        using var a = source.GetBatch(5);
        using var b = new RandomBatchSource(config, 4, seed: 9).GetBatch(5);
        using var c = source.GetBatch(6);
        Assert.True(a.PixelValues.SameAs(b.PixelValues) && a.InputIds.SameAs(b.InputIds));
        Assert.False(a.PixelValues.SameAs(c.PixelValues));
        Assert.Equal(ScalarType.Int64, a.InputIds.dtype);
        Assert.Equal(new long[] { 4, TinyModels.TextLength }, a.InputIds.shape);
        Assert.True(a.InputIds.max().item<long>() < TinyModels.Vocab && a.InputIds.min().item<long>() >= 0);
        Assert.Equal(naflex, a.IsNaflex);
        if (naflex) Assert.Equal(new long[] { 4, 16, 48 }, a.PixelValues.shape);
        else Assert.Equal(new long[] { 4, 3, 8, 8 }, a.PixelValues.shape);
    }

    [Fact]
    public void BenchmarkRunsOnATinyModel()
    {
        var r = TrainingBenchmark.Run(TinyModels.Fixed(), batchSize: 4, warmupSteps: 1, measuredSteps: 2);
        Assert.Equal(2, r.StepImagesPerSecond.Count);
        Assert.True(r.ImagesPerSecond > 0 && double.IsFinite(r.ImagesPerSecond));
    }
}
