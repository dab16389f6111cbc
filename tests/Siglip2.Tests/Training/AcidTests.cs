using System.Globalization;
using System.Text.Json;
using Siglip2.Checkpoints;
using Siglip2.Data;
using Siglip2.Modeling;
using Siglip2.Tasks;
using Siglip2.Tasks.Evaluation;
using Siglip2.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Siglip2.Tests.Training;

/// <summary>A smoke learner and a teacher that shares none of its input settings, trained once for the stage tests.</summary>
public sealed class AcidCheckpoints : IDisposable
{
    public static readonly TrainingRecipe Learner = TrainingRecipe.Get("smoke") with { Steps = 6, BatchSize = 16 };

    /// <summary>35×35 images (25 patches, the learner: 28×28), 16 tokens (24), its own tokenizer with vocabulary 800 (1024), wider towers.</summary>
    public static readonly TrainingRecipe Teacher = TrainingRecipe.Get("smoke") with
    {
        Name = "smoke-teacher", Steps = 8, BatchSize = 16, ImageSize = 35, TextLength = 16, VocabSize = 800, TokenizerCorpusScenes = 1000,
        VisionWidth = 48, VisionMlp = 96, TextWidth = 48, TextMlp = 96,
    };

    private readonly TempDirectory _tmp = new();
    public string LearnerFolder => _tmp.File("learner");
    public string TeacherFolder => _tmp.File("teacher");

    public AcidCheckpoints()
    {
        TrainingRun.Execute(new TrainingRunOptions { Recipe = Learner, OutputFolder = LearnerFolder });
        TrainingRun.Execute(new TrainingRunOptions { Recipe = Teacher, OutputFolder = TeacherFolder });
    }

    public void Dispose() => _tmp.Dispose();
}

/// <summary>ACID: the learnability selection, a teacher with its own processors, and the continuation stage.</summary>
public class AcidTests(AcidCheckpoints checkpoints) : IClassFixture<AcidCheckpoints>
{
    [Theory]
    [InlineData(4, 0.5, 2)]
    [InlineData(7, 0.5, 4)]      // 3.5 → 4
    [InlineData(100, 0.07, 7)]   // 100 × 0.07 is 7.000000000000001 in floating point: still 7
    [InlineData(50, 0.14, 7)]    // the same
    [InlineData(3, 0.1, 1)]      // 0.30000000000000004 → 1
    [InlineData(9, 0.34, 4)]     // 3.06 → 4
    [InlineData(5, 1.0, 5)]
    [InlineData(1, 0.01, 1)]
    public void KeptCountIsTheCeilingOfTheExactProduct(int n, double keep, int expected) =>
        Assert.Equal(expected, LearnabilitySelection.KeptCount(n, keep));

    [Fact]
    public void SuperBatchOfBOverKeepKeepsExactlyB()
    {
        // reference in decimal arithmetic (exact for these fractions): N = ⌊B / keep⌋ and ⌈N · keep⌉ = B
        foreach (double keep in new[] { 0.5, 0.25, 0.3, 0.07, 0.7, 0.9, 1.0 })
            for (int b = 1; b <= 300; b++)
            {
                decimal k = (decimal)keep;
                int n = (int)Math.Floor(b / k);
                Assert.Equal(n, LearnabilitySelection.SuperBatchSize(b, keep));
                Assert.Equal(b, (int)Math.Ceiling(n * k));
                Assert.Equal(b, LearnabilitySelection.KeptCount(n, keep));
            }
        Assert.Equal(256, LearnabilitySelection.SuperBatchSize(128, 0.5));
        Assert.Equal(512, LearnabilitySelection.SuperBatchSize(128, 0.25));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-0.5)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void KeepOutsideZeroOneIsRefused(double keep)
    {
        Assert.Throws<Siglip2Exception>(() => LearnabilitySelection.KeptCount(10, keep));
        Assert.Throws<Siglip2Exception>(() => LearnabilitySelection.TopLearnable([1, 2], [0, 0], keep));
    }

    [Fact]
    public void TopLearnableKeepsTheCeilingCountOfTheLargestDifferences()
    {
        // learnability (learner − teacher): 1, 5, −2, 5, 0, 3, 4 → keep ⌈7 · 0.4⌉ = 3: indices 1 and 3 (5, tie → both), then 6 (4)
        float[] learner = [2, 6, 1, 9, 3, 3, 4];
        float[] teacher = [1, 1, 3, 4, 3, 0, 0];
        Assert.Equal(new long[] { 1, 3, 6 }, LearnabilitySelection.TopLearnable(learner, teacher, 0.4));
        // a tie at the cut goes to the lower index: keep ⌈7 · 0.15⌉ = 2 of the tied 5s → 1, 3; keep 1 → 1
        Assert.Equal(new long[] { 1, 3 }, LearnabilitySelection.TopLearnable(learner, teacher, 0.15));
        Assert.Equal(new long[] { 1 }, LearnabilitySelection.TopLearnable(learner, teacher, 0.1));
    }

    private static Siglip2Model RandomModel(Siglip2.Configuration.Siglip2Config config, int seed)
    {
        var model = new Siglip2Model(config);
        ModelInitializer.Initialize(model, seed);
        // a lower bias than the −10 of a fresh model so that the per-example losses differ clearly between examples
        using (torch.no_grad()) model.LogitBias!.fill_(-1.0);
        model.eval();
        return model;
    }

    /// <summary>Per-example losses by the definition, in double: ℓ_i = −log σ(logit_ii) − Σ_{j≠i} log σ(−logit_ij).</summary>
    private static double[] LossesByHand(Siglip2Model model, TrainingBatch batch)
    {
        using var scope = NewDisposeScope();
        using var noGrad = torch.no_grad();
        var x = model.EmbedImages(batch.PixelValues).to(ScalarType.Float64).data<double>().ToArray();
        var y = model.EmbedTexts(batch.InputIds).to(ScalarType.Float64).data<double>().ToArray();
        int n = (int)batch.BatchSize, d = x.Length / n;
        double t = Math.Exp(model.LogitScale!.item<float>()), b = model.LogitBias!.item<float>();
        var losses = new double[n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                double dot = 0;
                for (int k = 0; k < d; k++) dot += x[i * d + k] * y[j * d + k];
                double logit = t * dot + b, z = i == j ? 1 : -1;
                losses[i] += Math.Log(1 + Math.Exp(-z * logit));
            }
        return losses;
    }

    [Fact]
    public void SelectionScoresEachModelOnItsOwnInputsAndKeepsTheMostLearnableRows()
    {
        using var scope = NewDisposeScope();
        // learner: 8×8 images, 8 tokens; teacher: 12×12 images, 10 tokens, its own vocabulary and width
        var learnerConfig = TinyModels.Fixed();
        var teacherConfig = TinyModels.Fixed(width: 48) with
        {
            Text = TinyModels.Text(48) with { VocabSize = 100, MaxPositionEmbeddings = 10 },
            Vision = TinyModels.Fixed(width: 48).Vision! with { ImageSize = 12 },
        };
        using var learner = RandomModel(learnerConfig, 1);
        using var teacher = RandomModel(teacherConfig, 2);
        const int n = 8;
        var g = new Generator(5);
        using var learnerBatch = new TrainingBatch
        {
            PixelValues = torch.rand([n, 3, 8, 8], generator: g) * 2 - 1,
            InputIds = torch.randint(4, TinyModels.Vocab, [n, TinyModels.TextLength], generator: g),
        };
        using var teacherBatch = new TrainingBatch
        {
            PixelValues = torch.rand([n, 3, 12, 12], generator: g) * 2 - 1,
            InputIds = torch.randint(4, 100, [n, 10], generator: g),
        };
        var l = LossesByHand(learner, learnerBatch);
        var te = LossesByHand(teacher, teacherBatch);
        var expected = Enumerable.Range(0, n).OrderByDescending(i => l[i] - te[i]).Take(4).Order().Select(i => (long)i).ToArray();
        Assert.Equal(l.Select(v => (float)v), LearnabilitySelection.Score(learner, learnerBatch), new FloatTolerance(1e-3f));

        using var selected = LearnabilitySelection.Select(learner, learnerBatch, teacher, teacherBatch, 0.5);
        Assert.Equal(4, selected.BatchSize);
        using var index = torch.tensor(expected);
        Assert.True(selected.PixelValues.SameAs(learnerBatch.PixelValues.index_select(0, index)));
        Assert.True(selected.InputIds.SameAs(learnerBatch.InputIds.index_select(0, index)));

        using var shorter = teacherBatch.Rows([0, 1, 2]);
        Assert.Contains("same scenes", Assert.Throws<Siglip2Exception>(() => LearnabilitySelection.Select(learner, learnerBatch, teacher, shorter, 0.5)).Message);
    }

    private sealed class FloatTolerance(float tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float a, float b) => Math.Abs(a - b) <= tolerance * Math.Max(1, Math.Abs(a));
        public int GetHashCode(float v) => 0;
    }

    [Fact]
    public void TheStageTrainsAtTheAcidLearningRateWithoutWeightDecay()
    {
        var options = AcidContinuation.StageOptions(steps: 5, learningRate: 3e-5);
        Assert.Equal(0.0, options.WeightDecay);
        for (int s = 0; s < 8; s++) Assert.Equal(3e-5, options.Schedule.At(s));
        using var model = RandomModel(TinyModels.Fixed(), 3);
        using var trainer = new Trainer(model, options);
        Assert.All(trainer.GroupSummary, group => Assert.Equal(0.0, group.WeightDecay));
        using var batch = new SeparableBatchSource(TinyModels.Fixed(), classes: 6).GetBatch(0);
        var report = trainer.TrainStep(batch);
        Assert.Equal(3e-5, report.LearningRate);
    }

    [Fact]
    public void SmokeStageWithATeacherOfAnotherTokenizerAndImageSizeWritesALoadableCheckpoint()
    {
        using var tmp = new TempDirectory();
        string learner = checkpoints.LearnerFolder, teacher = checkpoints.TeacherFolder, acid = tmp.File("acid"), control = tmp.File("control");

        // the premise: the teacher's tokenizer and image size are not the learner's
        Assert.NotEqual(File.ReadAllBytes(Path.Combine(learner, "tokenizer.model")), File.ReadAllBytes(Path.Combine(teacher, "tokenizer.model")));
        using (var t = ScoringCheckpoint.Load(teacher, "teacher"))
            Assert.Equal((35, 16), (t.Model.Config.Vision!.ImageSize, t.Text.Settings.Length));

        var result = AcidContinuation.Execute(new AcidOptions { LearnerFolder = learner, TeacherFolder = teacher, OutputFolder = acid, Steps = 3, LearningRate = 2e-4 });
        Assert.Equal((3L, 16, 32, 6L * 16), (result.Steps, result.BatchSize, result.SuperBatchSize, result.FirstScene));
        foreach (var f in new[] { "config.json", "model.safetensors", "tokenizer.model", "tokenizer_config.json", "preprocessor_config.json", "recipe.json",
                     "training_state.json", "optimizer.bin", AcidContinuation.LogFileName, AcidContinuation.SummaryFileName, RunFolder.LossLogFileName })
            Assert.True(File.Exists(Path.Combine(acid, f)), f);
        // the learner's tokenizer, not the teacher's, goes with the continued model
        Assert.Equal(File.ReadAllBytes(Path.Combine(learner, "tokenizer.model")), File.ReadAllBytes(Path.Combine(acid, "tokenizer.model")));

        var log = File.ReadLines(Path.Combine(acid, AcidContinuation.LogFileName)).ToList();
        Assert.Equal(AcidContinuation.LogHeader, log[0]);
        Assert.Equal(4, log.Count);
        var columns = log[0].Split(',');
        foreach (var line in log.Skip(1))
        {
            var v = line.Split(',').Select(x => double.Parse(x, CultureInfo.InvariantCulture)).ToArray();
            double Col(string name) => v[Array.IndexOf(columns, name)];
            Assert.Equal(2e-4, Col("learning_rate"), 12);
            Assert.Equal((32, 16), ((int)Col("super_batch"), (int)Col("kept")));
            // the kept half has the larger differences, so its mean is at least the super-batch's
            Assert.True(Col("learnability_kept") >= Col("learnability_all") - 1e-4, line);
            Assert.True(double.IsFinite(Col("teacher_loss_all")) && double.IsFinite(Col("loss")), line);
        }

        // weight decay off and the ACID learning rate in the saved stage
        var state = TrainingState.Load(acid);
        Assert.Equal(3, state.Step);
        Assert.Equal(0.0, state.Options.WeightDecay);
        Assert.Equal(2e-4, state.Options.Schedule.At(0));
        Assert.Equal(2e-4, state.Options.Schedule.At(2));

        // a normal checkpoint: it loads, and the evaluation pipeline runs on it
        using (var model = CheckpointLoader.Load(acid)) Assert.True(model.Config.IsDualTower);
        using (var pipeline = EmbeddingPipeline.Load(acid))
        {
            var zs = ZeroShotClassification.Run(pipeline, FashionMnist.LoadPart(FashionMnistPart.Test), ["en"], limit: 32);
            Assert.Equal(32, zs[0].Images);
        }
        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(acid, AcidContinuation.SummaryFileName)));
        Assert.Equal(0.0, summary.RootElement.GetProperty("weight_decay").GetDouble());
        Assert.Equal(32, summary.RootElement.GetProperty("super_batch_size").GetInt32());

        // the control: no teacher, no scoring; the same number of steps
        var c = AcidContinuation.Execute(new AcidOptions { LearnerFolder = learner, OutputFolder = control, Curate = false, Steps = 2 });
        Assert.False(c.Curated);
        Assert.Equal(2, TrainingState.Load(control).Step);
        Assert.Equal(AcidOptions.DefaultLearningRate, TrainingState.Load(control).Options.Schedule.At(1));

        // an existing output is not overwritten
        Assert.Contains("already holds", Assert.Throws<Siglip2Exception>(() =>
            AcidContinuation.Execute(new AcidOptions { LearnerFolder = learner, TeacherFolder = teacher, OutputFolder = acid, Steps = 1 })).Message);
    }

    [Fact]
    public void TheControlTrainsOnTheFirstBScenesOfEachSuperBatch()
    {
        using var checkpoint = ScoringCheckpoint.Load(checkpoints.LearnerFolder, "learner");
        var data = FashionMnist.Load();
        var scenes = new FashionScenes(data, AcidCheckpoints.Learner.Scenes, SceneSplit.Train);
        using var source = new AcidBatchSource(scenes, checkpoint, teacher: null, batchSize: 4, keep: 0.25, firstScene: 100);
        Assert.Equal(16, source.SuperBatchSize);
        using var batch = source.GetBatch(2);
        // by hand: scenes 100 + 2·16 … 100 + 2·16 + 3 through the learner's own processors
        var images = Enumerable.Range(0, 4).Select(i => scenes.Generate(132 + i)).Select(s => new Siglip2.Processing.Images.RgbImage(s.Width, s.Height, s.Rgb)).ToList();
        using var expected = TrainingBatch.From(checkpoint.Images.Preprocess(images), checkpoint.Text.Process(Enumerable.Range(0, 4).Select(i => scenes.Generate(132 + i).Caption).ToList()).Ids, checkpoint.Text.Settings.Length);
        Assert.True(batch.PixelValues.SameAs(expected.PixelValues));
        Assert.True(batch.InputIds.SameAs(expected.InputIds));
        Assert.True(double.IsNaN(source.LastSelection!.LearnabilityAll));
    }

    [Fact]
    public void BadStageInputsGiveOneLineErrors()
    {
        using var tmp = new TempDirectory();
        var missingTeacher = Assert.Throws<Siglip2Exception>(() => AcidContinuation.Execute(new AcidOptions
        {
            LearnerFolder = tmp.Path, TeacherFolder = tmp.File("no-such-teacher"), OutputFolder = tmp.File("out"),
        }));
        Assert.Contains("teacher checkpoint folder not found", missingTeacher.Message);
        Assert.Contains("no-such-teacher", missingTeacher.Message);
        Assert.DoesNotContain("\n", missingTeacher.Message);
        Assert.Contains("(0, 1]", Assert.Throws<Siglip2Exception>(() => AcidContinuation.Execute(new AcidOptions
        {
            LearnerFolder = tmp.Path, TeacherFolder = tmp.Path, OutputFolder = tmp.File("out"), Keep = 0,
        })).Message);
        Assert.Contains("teacher", Assert.Throws<Siglip2Exception>(() => AcidContinuation.Execute(new AcidOptions
        {
            LearnerFolder = tmp.Path, OutputFolder = tmp.File("out"),
        })).Message);
        // a folder that is not a checkpoint
        Assert.Contains("config.json", Assert.Throws<Siglip2Exception>(() => ScoringCheckpoint.Load(tmp.Path, "teacher")).Message);
    }
}
