using Siglip2.Configuration;
using Siglip2.Data;
using Siglip2.Modeling;
using Siglip2.Processing.Images;
using Siglip2.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Siglip2.Tests.Training;

/// <summary>Stage snapshots and <see cref="Trainer.ContinueAs"/> on synthetic data (library level).</summary>
public class StageContinuationTrainerTests
{
    [Fact]
    public void SnapshotStepsAreNinetyAndNinetyFivePercentRoundedDown()
    {
        Assert.Equal(360, StageSnapshots.StepFor(StageVariant.Naflex, 400));
        Assert.Equal(380, StageSnapshots.StepFor(StageVariant.Fixed, 400));
        Assert.Equal(180, StageSnapshots.StepFor(StageVariant.Naflex, 200));
        Assert.Equal(190, StageSnapshots.StepFor(StageVariant.Fixed, 200));
        Assert.Equal(1439, StageSnapshots.StepFor(StageVariant.Naflex, 1599));   // 1439.1
        Assert.Equal(1519, StageSnapshots.StepFor(StageVariant.Fixed, 1599));    // 1519.05
        Assert.Equal(new long[] { 18, 19 }, StageSnapshots.Steps(20));
        Assert.Equal(new long[] { 6 }, StageSnapshots.Steps(7));                  // 6.3 and 6.65 coincide
        Assert.Empty(StageSnapshots.Steps(1));                                   // 0: nothing to snapshot
        Assert.Equal(Path.Combine("run", "stage-snapshots", "step-000360"), StageSnapshots.Folder("run", 360));
    }

    private static readonly LoccaTargetBuilder Builder = new(CharTokenizer.Processor(), new LocationTokens(), 10, seed: 0);

    /// <summary>A recipe batch with one captioning row per image (alternately causal and parallel), optional SSL views.</summary>
    private static RecipeBatch WithDecoderRows(TrainingBatch pairs, long step, Tensor? global = null, Tensor? local = null)
    {
        var ids = pairs.InputIds.data<long>().ToArray();
        int b = (int)pairs.BatchSize, l = (int)pairs.InputIds.shape[1];
        var rows = Enumerable.Range(0, b).Select(i =>
            Builder.Sequence(Builder.CaptionTaskId, null, ids.Skip(i * l).Take(l).TakeWhile(t => t > 1).Select(t => (int)t).ToArray(), causal: i % 2 == 0)).ToList();
        return new RecipeBatch
        {
            Pairs = pairs,
            DecoderInputs = torch.tensor(rows.SelectMany(r => r.Inputs).ToArray(), [b, Builder.Length]),
            DecoderTargets = torch.tensor(rows.SelectMany(r => r.Targets).ToArray(), [b, Builder.Length]),
            DecoderMask = LoccaDecoder.SelfAttentionMask(Enumerable.Range(0, b).Select(i => i % 2 == 0).ToArray(), rows.Select(r => r.InputLength).ToArray(), Builder.Length),
            GlobalViews = global, LocalViews = local, MaskSeed = step,
        };
    }

    /// <summary>Recipe batches of <see cref="SeparableBatchSource"/>, with noisy copies as SSL views when asked.</summary>
    private static RecipeBatch Synthetic(SeparableBatchSource source, long step, bool views)
    {
        var pairs = source.GetBatch(step);
        if (!views) return WithDecoderRows(pairs, step);
        using var g = new torch.Generator((ulong)(step + 100));
        var px = pairs.PixelValues;
        var global = px + 0.1f * torch.randn(px.shape, generator: g);
        var local = px.repeat(8, 1, 1, 1) + 0.3f * torch.randn([8 * px.shape[0], px.shape[1], px.shape[2], px.shape[3]], generator: g);
        return WithDecoderRows(pairs, step, global, local);
    }

    private static readonly TrainingOptions Options = new() { Seed = 2, Schedule = new LearningRateSchedule(3e-3, 2, 60), WeightDecay = 0.1 };

    [Fact]
    public void NaflexContinuationTakesTheSameStepAsTheFixedRunOnSquareImages()
    {
        // Weights and AdamW moments are permuted exactly, so one step on the same square images must give the same
        // loss and the same updated weights in both layouts.
        var objectives = new TrainingObjectives { Locca = true, LoccaLength = 10 };
        var config = TinyModels.Fixed();   // 8×8 images, 4×4 patches: a 2×2 grid
        using var main = Trainer.FromScratch(config, Options, objectives, TinyModels.Vocab);
        var source = new SeparableBatchSource(config, 8, seed: 5);
        for (long s = 0; s < 4; s++) { using var b = Synthetic(source, s, views: false); main.TrainStep(b); }

        var conversion = new FixedToNaflexConversion();
        using var naflex = main.ContinueAs(conversion, objectives);
        Assert.Equal(4, naflex.Step);
        Assert.True(naflex.Model.Config.IsNaflex);

        var rng = new Random(3);
        var images = Enumerable.Range(0, 6).Select(_ => { var p = new byte[8 * 8 * 3]; rng.NextBytes(p); return new RgbImage(8, 8, p); }).ToList();
        var ids = Enumerable.Range(0, 6).SelectMany(i => Enumerable.Range(0, TinyModels.TextLength).Select(j => j < 3 + i % 3 ? (long)rng.Next(4, 30) : j == 3 + i % 3 ? 1L : 0L)).ToArray();
        var recipe = TrainingRecipe.Get("smoke") with { ImageSize = 8, PatchSize = 4, MaxNumPatches = 4 };
        var fixedImages = ImageProcessorFactory.Create(PreprocessorConfig.Parse(recipe.PreprocessorConfigJson(), "fixed")).Preprocess(images);
        var naflexImages = ImageProcessorFactory.Create(PreprocessorConfig.Parse((recipe with { Naflex = true }).PreprocessorConfigJson(), "naflex")).Preprocess(images);

        TrainingStepReport a, b2;
        using (var batch = WithDecoderRows(TrainingBatch.From(fixedImages, ids, TinyModels.TextLength), 4)) a = main.TrainStep(batch);
        using (var batch = WithDecoderRows(TrainingBatch.From(naflexImages, ids, TinyModels.TextLength), 4)) b2 = naflex.TrainStep(batch);
        Assert.Equal(a.Sigmoid, b2.Sigmoid, 4);
        Assert.Equal(a.Locca, b2.Locca, 4);
        Assert.Equal(a.LearningRate, b2.LearningRate);
        using var after = VisionTowerConversion.Apply(main.Model, conversion);
        var expected = after.state_dict();
        // A key projection's bias adds q·b, one constant per query row, to every logit of that row, and softmax ignores
        // it: its gradient is zero in exact arithmetic and only rounding noise in floats, which AdamW's m/√v scales up
        // to a step of about the learning rate whose sign depends on the CPU's summation order (it differed on an
        // AVX2-only machine). Those biases carry no information about the conversion and are left out.
        static bool Compared(string name) => !name.EndsWith("k_proj.bias", StringComparison.Ordinal);
        foreach (var (name, t) in naflex.Model.state_dict().Where(p => Compared(p.Key)))
            Assert.True((t - expected[name]).abs().max().item<float>() < 1e-5f, name);
        foreach (var (name, t) in naflex.Decoder!.state_dict().Where(p => Compared(p.Key)))
            Assert.True((t - main.Decoder!.state_dict()[name]).abs().max().item<float>() < 1e-5f, "decoder " + name);
    }

    [Fact]
    public void NaflexContinuationLearnsAtEveryGridShape()
    {
        var objectives = new TrainingObjectives { Locca = true, LoccaLength = 10 };
        var fixedConfig = TinyModels.Fixed();
        using var main = Trainer.FromScratch(fixedConfig, Options with { Schedule = new LearningRateSchedule(3e-3, 2, 50) }, objectives, TinyModels.Vocab);
        var fixedSource = new SeparableBatchSource(fixedConfig, 8, seed: 7);
        for (long s = 0; s < 10; s++) { using var b = Synthetic(fixedSource, s, views: false); main.TrainStep(b); }
        using var naflex = main.ContinueAs(new FixedToNaflexConversion(), objectives);
        // new data with NaFlex grids of 1×4 … 4×2 patches (a 2×2 position table resized per image)
        var source = new SeparableBatchSource(naflex.Model.Config, 8, seed: 8);
        var reports = new List<TrainingStepReport>();
        while (naflex.Step < 50) { using var b = Synthetic(source, naflex.Step, views: false); reports.Add(naflex.TrainStep(b)); }
        double first = reports.Take(4).Average(r => r.Sigmoid), last = reports.TakeLast(4).Average(r => r.Sigmoid);
        Assert.True(last < 0.7 * first, $"sigmoid {first} → {last}");
        Assert.True(reports.TakeLast(4).Average(r => r.Locca) < reports.Take(4).Average(r => r.Locca));
        Assert.All(reports, r => Assert.True(double.IsNaN(r.Silc)));
    }

    [Fact]
    public void FixedContinuationAtANewSizeKeepsTheTeacherAndLearns()
    {
        var objectives = new TrainingObjectives
        {
            Locca = true, LoccaLength = 10, SelfDistillation = true, SelfDistillationStart = 0.0, Prototypes = 32, SslBatch = 8, TeacherMomentum = 0.9,
        };
        var config = TinyModels.Fixed();
        using var main = Trainer.FromScratch(config, Options, objectives, TinyModels.Vocab);
        var source = new SeparableBatchSource(config, 8, seed: 9);
        for (long s = 0; s < 4; s++) { using var b = Synthetic(source, s, views: true); main.TrainStep(b); }
        Assert.True(main.TeacherActive);

        using var big = main.ContinueAs(new FixedResolutionChange(12, 4), objectives);
        Assert.True(big.TeacherActive);
        Assert.Equal(12, big.Model.Config.Vision!.ImageSize);
        Assert.Equal(new long[] { 9, 32 }, big.Teacher!.Vision.FixedEmbeddings!.PositionEmbedding.weight!.shape);
        // the teacher's tower was converted like the student's (here: a resized copy of the teacher's own table)
        var teacherTable = PositionEmbeddingResize.Resize(main.Teacher!.Vision.FixedEmbeddings!.PositionEmbedding.weight!, 3);
        Assert.True((big.Teacher.Vision.FixedEmbeddings.PositionEmbedding.weight! - teacherTable).abs().max().item<float>() < 1e-6f);

        var bigSource = new SeparableBatchSource(big.Model.Config, 8, seed: 10);
        var reports = new List<TrainingStepReport>();
        while (big.Step < 40) { using var b = Synthetic(bigSource, big.Step, views: true); reports.Add(big.TrainStep(b)); }
        Assert.True(reports.TakeLast(4).Average(r => r.Sigmoid) < reports.Take(4).Average(r => r.Sigmoid));
        Assert.True(reports.TakeLast(4).Average(r => r.Locca) < reports.Take(4).Average(r => r.Locca));
        Assert.All(reports, r => Assert.True(double.IsFinite(r.Silc) && double.IsFinite(r.Tips)));
    }

    [Fact]
    public void ContinuationCannotAddObjectivesTheRunDidNotHave()
    {
        using var plain = Trainer.FromScratch(TinyModels.Fixed(), Options, new TrainingObjectives(), TinyModels.Vocab);
        var e = Assert.Throws<Siglip2Exception>(() => plain.ContinueAs(new FixedToNaflexConversion(), new TrainingObjectives { Locca = true }));
        Assert.Contains("without LocCa", e.Message);
        using var locca = Trainer.FromScratch(TinyModels.Fixed(), Options, new TrainingObjectives { Locca = true, LoccaLength = 10 }, TinyModels.Vocab);
        Assert.Throws<Siglip2Exception>(() => locca.ContinueAs(new FixedToNaflexConversion(), new TrainingObjectives { Locca = true, LoccaLength = 10, SelfDistillation = true }));
    }
}
