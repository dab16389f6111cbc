using Siglip2.Checkpoints;
using Siglip2.Modeling;
using Siglip2.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Siglip2.Tests.Training;

/// <summary>The seams of <see cref="Trainer"/> for data-parallel training and fine-tuning (docs/training.md "Seams").</summary>
public class TrainerSeamTests
{
    private const int Classes = 8;

    private static TrainingOptions Options(long total = 6) => new()
    {
        Seed = 3,
        Schedule = new LearningRateSchedule(3e-3, warmupSteps: 1, totalSteps: total),
    };

    /// <summary>Zeroes every gradient and records what it saw.</summary>
    private sealed class ZeroingSynchronizer : IGradientSynchronizer
    {
        public int Calls;
        public int Parameters;
        public bool AllHadGradients = true;

        public void Synchronize(IReadOnlyList<Parameter> parameters)
        {
            Calls++;
            Parameters = parameters.Count;
            using var noGrad = torch.no_grad();
            foreach (var p in parameters)
            {
                AllHadGradients &= p.grad is not null;
                p.grad?.zero_();
            }
        }
    }

    [Fact]
    public void GradientSynchronizerRunsAfterBackwardAndBeforeClippingAndTheUpdate()
    {
        var config = TinyModels.Fixed();
        var sync = new ZeroingSynchronizer();
        var options = Options() with { WeightDecay = 0 };
        using var trainer = Trainer.FromScratch(config, options, process: new TrainingProcess { Gradients = sync });
        var before = trainer.Model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        var reports = trainer.Train(new SeparableBatchSource(config, Classes), untilStep: 3);
        Assert.Equal(3, sync.Calls);
        Assert.True(sync.AllHadGradients);
        Assert.Equal(trainer.Model.parameters().Count(), sync.Parameters);
        // the clipped norm is measured after the synchroniser: zero; AdamW with zero gradients and no decay moves nothing
        Assert.All(reports, r => Assert.Equal(0.0, r.GradNorm));
        foreach (var (name, t) in trainer.Model.state_dict())
            Assert.True(t.SameAs(before[name]), name);
        foreach (var t in before.Values) t.Dispose();
    }

    [Fact]
    public void SigmoidLossIsReplaceableWithTheSameSignature()
    {
        var config = TinyModels.Fixed();
        var source = new SeparableBatchSource(config, Classes);
        int calls = 0;
        // a stand-in for a cross-rank loss: twice the local loss (the same differentiable-scalar contract)
        SigmoidLossFunction doubled = (images, texts, scale, bias) =>
        {
            calls++;
            return SigmoidLoss.Compute(images, texts, scale, bias) * 2;
        };
        using var plain = Trainer.FromScratch(config, Options());
        using var replaced = Trainer.FromScratch(config, Options(), process: new TrainingProcess { SigmoidLoss = doubled });
        using var batch = source.GetBatch(0);
        var a = plain.TrainStep(batch);
        var b = replaced.TrainStep(batch);
        Assert.Equal(1, calls);
        // step 1 runs at learning rate 0 on the same initial weights: the loss doubles exactly (×2 is exact in binary)
        Assert.Equal(2 * a.Loss, b.Loss);
        Assert.Equal(2 * a.Sigmoid, b.Sigmoid);
    }

    [Fact]
    public void OnlyTheMainProcessWritesCheckpointsAndReports()
    {
        var config = TinyModels.Fixed();
        using var tmp = new TempDirectory();
        string folder = tmp.File("run");
        int reported = 0;
        using var trainer = Trainer.FromScratch(config, Options(), process: new TrainingProcess { Rank = 1, WorldSize = 2 });
        var reports = trainer.Train(new SeparableBatchSource(config, Classes), progress: new Counter(() => reported++), checkpointFolder: folder,
            checkpointEvery: 2, snapshotSteps: [3]);
        Assert.Equal(6, reports.Count);
        Assert.Equal(6, trainer.Step);
        Assert.Equal(0, reported);
        Assert.False(Directory.Exists(folder));
        Assert.Throws<Siglip2Exception>(() => Trainer.FromScratch(config, Options(), process: new TrainingProcess { Rank = 2, WorldSize = 2 }));
    }

    private sealed class Counter(Action action) : IProgress<TrainingStepReport>
    {
        public void Report(TrainingStepReport value) => action();
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void FineTuningALoadedCheckpointWithALockedTowerLeavesThatTowerUnchanged(bool lockImage)
    {
        var config = TinyModels.Fixed();
        var source = new SeparableBatchSource(config, Classes);
        using var tmp = new TempDirectory();
        // a "released" checkpoint: a short run's Hugging Face files only
        using (var pretrain = Trainer.FromScratch(config, Options(4)))
        {
            pretrain.Train(source);
            CheckpointWriter.Save(pretrain.Model, tmp.Path);
        }
        using var model = CheckpointLoader.Load(tmp.Path);
        var before = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        var options = Options() with { LockImageTower = lockImage, LockTextTower = !lockImage };
        string locked = lockImage ? "vision_model." : "text_model.";
        string open = lockImage ? "text_model." : "vision_model.";
        using (var trainer = new Trainer(model, options))
        {
            Assert.Equal(model.named_parameters().Count(p => !p.name.StartsWith(locked)), trainer.GroupSummary.Sum(g => g.Count));
            var reports = trainer.Train(source, checkpointFolder: tmp.File("tuned"));
            Assert.All(reports, r => Assert.True(double.IsFinite(r.Loss)));
        }
        foreach (var (name, t) in model.state_dict())
        {
            if (name.StartsWith(locked)) Assert.True(t.SameAs(before[name]), $"{name} changed although its tower is locked");
        }
        Assert.Contains(model.state_dict(), kv => kv.Key.StartsWith(open) && !kv.Value.SameAs(before[kv.Key]));
        Assert.False(model.LogitBias!.SameAs(before["logit_bias"]));
        foreach (var t in before.Values) t.Dispose();
        // the fine-tuned run resumes with the same lock (the optimizer's parameter list matches)
        using var resumed = Trainer.Resume(tmp.File("tuned"));
        Assert.Equal(options, resumed.Options);
        Assert.Throws<Siglip2Exception>(() => new Trainer(model, Options() with { LockImageTower = true, LockTextTower = true }));
    }

    [Fact]
    public void VisionInputGivesTheEmbeddingsOfTheExplicitOverloads()
    {
        using var scope = NewDisposeScope();
        using var noGrad = torch.no_grad();
        using var fixedModel = new Siglip2Model(TinyModels.Fixed());
        using var naflexModel = new Siglip2Model(TinyModels.Naflex());
        ModelInitializer.Initialize(fixedModel, 1);
        ModelInitializer.Initialize(naflexModel, 1);
        using var f = new SeparableBatchSource(TinyModels.Fixed(), 4).GetBatch(0);
        using var n = new SeparableBatchSource(TinyModels.Naflex(), 4).GetBatch(0);
        Assert.False(f.Vision.IsNaflex);
        Assert.True(n.Vision.IsNaflex);
        Assert.True(fixedModel.EmbedImages(f.Vision).SameAs(fixedModel.EmbedImages(f.PixelValues)));
        Assert.True(naflexModel.EmbedImages(n.Vision).SameAs(naflexModel.EmbedImages(n.PixelValues, n.PixelAttentionMask!, n.SpatialShapes!)));
        var named = new Dictionary<string, Tensor>
        {
            [VisionInput.PixelValuesName] = n.PixelValues, [VisionInput.PixelAttentionMaskName] = n.PixelAttentionMask!, [VisionInput.SpatialShapesName] = n.SpatialShapes!,
        };
        var fromNames = VisionInput.FromNamedTensors(named);
        Assert.Same(n.PixelValues, fromNames.PixelValues);
        Assert.Same(n.PixelAttentionMask, fromNames.PixelAttentionMask);
        Assert.Same(n.SpatialShapes, fromNames.SpatialShapes);
        named.Remove(VisionInput.SpatialShapesName);
        Assert.Throws<Siglip2Exception>(() => VisionInput.FromNamedTensors(named));
        // a fixed-resolution tower refuses NaFlex inputs with the one-line message
        Assert.Throws<Siglip2Exception>(() => fixedModel.EmbedImages(n.Vision));
    }
}
