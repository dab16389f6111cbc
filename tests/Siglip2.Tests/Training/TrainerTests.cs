using Siglip2.Checkpoints;
using Xunit.Abstractions;
using Siglip2.Configuration;
using Siglip2.Modeling;
using Siglip2.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Siglip2.Tests.Training;

public class TrainerTests(ITestOutputHelper output)
{
    private const int Classes = 8;

    private static TrainingOptions Options(long total = 60, int chunks = 1) => new()
    {
        Seed = 3,
        Schedule = new LearningRateSchedule(3e-3, warmupSteps: Math.Min(5, total), totalSteps: total),
        WeightDecay = 0.1,
        LossChunks = chunks,
    };

    private void AssertLossFalls(IReadOnlyList<TrainingStepReport> reports)
    {
        double first = reports.Take(3).Average(r => r.Loss);
        double last = reports.TakeLast(5).Average(r => r.Loss);
        output.WriteLine($"loss: first 3 steps {first:F4}, last 5 steps {last:F4}");
        Assert.True(last < 0.25 * first, $"loss went from {first} to {last}");
        Assert.All(reports, r => Assert.True(double.IsFinite(r.Loss) && r.Loss > 0));
    }

    [Fact]
    public void FixedResolutionTrainingLossFalls()
    {
        var config = TinyModels.Fixed();
        using var trainer = Trainer.FromScratch(config, Options());
        var reports = trainer.Train(new SeparableBatchSource(config, Classes));
        Assert.Equal(60, reports.Count);
        Assert.Equal(60, trainer.Step);
        Assert.Equal(60 * Classes, trainer.ImagesSeen);
        AssertLossFalls(reports);
        // Paper init: t = 10, b = −10 before any update; lr follows the schedule.
        Assert.Equal(0.0, reports[0].LearningRate);
        Assert.Equal(3e-3, reports[5].LearningRate, 12);
        Assert.All(reports, r => Assert.Equal(Options().Schedule.At(r.Step - 1), r.LearningRate));
        Assert.Equal(10.0, reports[0].Temperature, 4);   // lr 0 at the first step: unchanged
        Assert.Equal(-10.0, reports[0].Bias, 4);
    }

    [Fact]
    public void NaflexTrainingLossFalls()
    {
        var config = TinyModels.Naflex();
        using var trainer = Trainer.FromScratch(config, Options());
        AssertLossFalls(trainer.Train(new SeparableBatchSource(config, Classes)));
    }

    [Fact]
    public void ChunkedLossTrains()
    {
        var config = TinyModels.Fixed();
        var source = new SeparableBatchSource(config, Classes);
        using var full = Trainer.FromScratch(config, Options());
        using var chunked = Trainer.FromScratch(config, Options(chunks: 3));
        var a = full.Train(source);
        var b = chunked.Train(source);
        // Steps 1–2 see the same weights (lr is 0 at step 1): the losses agree to float rounding. Later steps drift
        // apart, as Adam turns rounding-level gradient differences into ±lr steps; both runs must still learn.
        for (int i = 0; i < 2; i++)
            Assert.True(Math.Abs(a[i].Loss - b[i].Loss) <= 1e-6 * a[i].Loss, $"step {i + 1}: {a[i].Loss} vs {b[i].Loss}");
        AssertLossFalls(b);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ResumeContinuesTheSameLossCurve(bool naflex)
    {
        const int n = 6;
        var config = naflex ? TinyModels.Naflex() : TinyModels.Fixed();
        var source = new SeparableBatchSource(config, Classes);
        var options = Options(total: 3 * n);

        using var straight = Trainer.FromScratch(config, options);
        var straightLosses = straight.Train(source, untilStep: 2 * n).Select(r => r.Loss).ToList();

        using var tmp = new TempDirectory();
        var resumedLosses = new List<double>();
        using (var first = Trainer.FromScratch(config, options))
        {
            resumedLosses.AddRange(first.Train(source, untilStep: n, checkpointFolder: tmp.Path).Select(r => r.Loss));
        }
        Assert.True(File.Exists(tmp.File("config.json")) && File.Exists(tmp.File("model.safetensors"))
                    && File.Exists(tmp.File(TrainingState.OptimizerFileName)) && File.Exists(tmp.File(TrainingState.FileName)));
        using (var second = Trainer.Resume(tmp.Path))
        {
            Assert.Equal(n, second.Step);
            Assert.Equal(options, second.Options);
            resumedLosses.AddRange(second.Train(source, untilStep: 2 * n).Select(r => r.Loss));
            // Bitwise the same run: losses and final weights.
            Assert.Equal(straightLosses, resumedLosses);
            var a = straight.Model.state_dict();
            foreach (var (name, t) in second.Model.state_dict())
                Assert.True(t.SameAs(a[name]), name);
        }
        File.Delete(tmp.File(TrainingState.OptimizerFileName));
        Assert.Throws<Siglip2Exception>(() => Trainer.Resume(tmp.Path));
    }

    [Fact]
    public void ResumeOfAnIncompleteRecipeCheckpointFailsWithAOneLineError()
    {
        using var tmp = new TempDirectory();
        var objectives = new TrainingObjectives { Locca = true, LoccaLength = 10 };
        using (var t = Trainer.FromScratch(TinyModels.Fixed(), Options(4), objectives, TinyModels.Vocab))
            t.SaveCheckpoint(tmp.Path);
        Assert.True(File.Exists(tmp.File(TrainingCheckpoint.ObjectivesFileName)));
        using (var resumed = Trainer.Resume(tmp.Path))
            Assert.Equal(objectives, resumed.Objectives);
        File.Delete(tmp.File(TrainingCheckpoint.DecoderFileName));
        // the half-built trainer (and with it the loaded model) is disposed once; the error names the missing file
        var e = Assert.Throws<Siglip2Exception>(() => Trainer.Resume(tmp.Path));
        Assert.Contains(TrainingCheckpoint.DecoderFileName, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void SavedCheckpointLoadsWithTheSameEmbeddings()
    {
        var config = TinyModels.Fixed();
        var source = new SeparableBatchSource(config, Classes);
        using var trainer = Trainer.FromScratch(config, Options(40));
        trainer.Train(source);
        using var tmp = new TempDirectory();
        trainer.SaveCheckpoint(tmp.Path);
        using var loaded = CheckpointLoader.Load(tmp.Path);
        using var batch = source.GetBatch(100);
        using var noGrad = torch.no_grad();
        trainer.Model.eval();
        using var img1 = trainer.Model.EmbedImages(batch.PixelValues);
        using var img2 = loaded.EmbedImages(batch.PixelValues);
        using var txt1 = trainer.Model.EmbedTexts(batch.InputIds);
        using var txt2 = loaded.EmbedTexts(batch.InputIds);
        Assert.True(img1.SameAs(img2));
        Assert.True(txt1.SameAs(txt2));
        Assert.Equal(trainer.Model.LogitScale!.item<float>(), loaded.LogitScale!.item<float>());
        Assert.Equal(trainer.Model.LogitBias!.item<float>(), loaded.LogitBias!.item<float>());
        // The trained model separates the classes: each image's best caption is its own.
        using var sims = torch.matmul(img2, txt2.t());
        Assert.True(sims.argmax(1).SameAs(torch.arange(Classes, ScalarType.Int64)));
    }

    [Fact]
    public void LossLogKeepsOneContinuousCurveOnResume()
    {
        using var tmp = new TempDirectory();
        string path = tmp.File("loss.csv");
        using (var log = new LossLogWriter(path))
            for (int s = 1; s <= 5; s++) log.Report(new TrainingStepReport(s, 1.0 / s, 1e-3, 10, -10, 0.5, 8, 0.01));
        using (var log = new LossLogWriter(path, resumeFromStep: 3))
            log.Report(new TrainingStepReport(4, 0.2, 1e-3, 10, -10, 0.5, 8, 0.01));
        var lines = File.ReadAllLines(path);
        Assert.Equal(LossLogWriter.Header, lines[0]);
        Assert.Equal(["1", "2", "3", "4"], lines.Skip(1).Select(l => l.Split(',')[0]));
        Assert.Equal("0.2", lines[4].Split(',')[1]);
        Assert.Equal("800", lines[4].Split(',')[8]);
    }

    [Fact]
    public void WeightDecayOnlyOnKernels()
    {
        using var model = new Siglip2Model(TinyModels.Fixed());
        var (decay, noDecay) = ParameterGroups.Split(model);
        var decayed = decay.Select(p => p.Name).ToHashSet();
        Assert.Contains("vision_model.encoder.layers.0.self_attn.q_proj.weight", decayed);
        Assert.Contains("text_model.encoder.layers.0.mlp.fc2.weight", decayed);
        Assert.Contains("vision_model.embeddings.patch_embedding.weight", decayed);
        Assert.Contains("vision_model.head.attention.in_proj_weight", decayed);
        Assert.Contains("text_model.head.weight", decayed);
        foreach (var name in new[] { "logit_scale", "logit_bias", "vision_model.head.probe", "text_model.embeddings.token_embedding.weight",
                     "vision_model.embeddings.position_embedding.weight", "vision_model.post_layernorm.weight", "text_model.head.bias" })
            Assert.DoesNotContain(name, decayed);
        Assert.Equal(model.parameters().Count(), decay.Count + noDecay.Count);

        using var trainer = new Trainer(model, Options() with { WeightDecay = 0.25 });
        Assert.Equal([(0.25, decay.Count), (0.0, noDecay.Count)], trainer.GroupSummary);
    }

    [Fact]
    public void RejectsBatchesOfTheWrongLayout()
    {
        using var trainer = Trainer.FromScratch(TinyModels.Fixed(), Options(4));
        using var naflexBatch = new SeparableBatchSource(TinyModels.Naflex(), Classes).GetBatch(0);
        Assert.Throws<Siglip2Exception>(() => trainer.TrainStep(naflexBatch));
        using var bad = new TrainingBatch { PixelValues = torch.zeros(3, 3, 8, 8), InputIds = torch.zeros([4, 8], ScalarType.Int64) };
        Assert.Throws<Siglip2Exception>(() => trainer.TrainStep(bad));
    }
}
