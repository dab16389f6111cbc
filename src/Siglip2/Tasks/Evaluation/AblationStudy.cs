using System.Diagnostics;
using System.Globalization;
using System.Text;
using Siglip2.Checkpoints;
using Siglip2.Configuration;
using Siglip2.Data;
using Siglip2.Processing.Images;
using Siglip2.Processing.Text;
using Siglip2.Training;
using static TorchSharp.torch;

namespace Siglip2.Tasks.Evaluation;

/// <summary>What <see cref="AblationStudy.Run"/> measures and where it writes.</summary>
public sealed record AblationOptions
{
    public required string OutputFolder { get; init; }
    public string? DataDirectory { get; init; }
    /// <summary>The shared recipe of every row (model, data, steps, batch, seed); the rows differ only in objectives.</summary>
    public TrainingRecipe Recipe { get; init; } = AblationStudy.DefaultRecipe;
    public int ZeroShotImages { get; init; } = 2000;
    public int RetrievalScenes { get; init; } = 500;
    public int ReferringScenes { get; init; } = 150;
    public int ProbeTrainScenes { get; init; } = 300;
    public int ProbeTestScenes { get; init; } = 200;
}

/// <summary>One row of the ablation: objectives and measured scores (NaN where the row has no decoder).</summary>
public sealed record AblationRow(string Name, string Objectives, double ZeroShotEnglish, double ImageToTextR1, double TextToImageR1,
    double ReferringAccuracy, double SegmentationMeanIou, double FinalSigmoidLoss, double TrainSeconds);

/// <summary>
/// The SigLIP 2 ablation on FashionScenes: the same model, data order, seed, batch size and number of steps for
/// three rows — sigmoid loss only (SigLIP), + LocCa, + LocCa + SILC/TIPS (SigLIP 2) — each trained from scratch with
/// <see cref="Siglip2RecipeTrainer"/>, then scored on zero-shot Fashion-MNIST (English prompts), held-out retrieval
/// R@1, referring-expression accuracy (LocCa rows) and the dense linear-probe mIoU.
/// </summary>
public static class AblationStudy
{
    /// <summary>The tiny model at a reduced budget (batch 128, 120 steps) so the three rows and their evaluations fit in about 10–20 minutes on 2 shared cores.</summary>
    public static TrainingRecipe DefaultRecipe { get; } = TrainingRecipe.Get("tiny") with
    {
        Name = "ablation",
        Description = "tiny model, batch 128, 120 steps (reduced budget for the three-row ablation)",
        BatchSize = 128, Steps = 120,
    };

    public static IReadOnlyList<(string Name, string Description, TrainingObjectives Objectives)> Rows { get; } =
    [
        ("SigLIP", "sigmoid", new TrainingObjectives()),
        ("+ LocCa", "sigmoid + LocCa", new TrainingObjectives { Locca = true }),
        ("SigLIP 2", "sigmoid + LocCa + SILC/TIPS (last 20%)", new TrainingObjectives { Locca = true, SelfDistillation = true }),
    ];

    public static IReadOnlyList<AblationRow> Run(AblationOptions o, Action<string>? log = null, IProgress<RecipeStepReport>? progress = null)
    {
        log ??= _ => { };
        var recipe = o.Recipe;
        Directory.CreateDirectory(o.OutputFolder);
        var data = FashionMnist.Load(o.DataDirectory);
        var scenesConfig = recipe.Scenes with { Seed = recipe.Seed };
        string tokenizerPath = Path.Combine(o.OutputFolder, "tokenizer.model");
        if (!File.Exists(tokenizerPath))
        {
            log($"training the caption tokenizer (vocabulary {recipe.VocabSize}) …");
            CaptionTokenizerTrainer.TrainTokenizer(scenesConfig, tokenizerPath, recipe.VocabSize, recipe.Seed, data, recipe.TokenizerCorpusScenes);
        }
        var tokenizer = SentencePieceBpeTokenizer.Load(tokenizerPath);
        var text = new SiglipTextProcessor(tokenizer, new SiglipTextSettings(Length: recipe.TextLength));
        var images = ImageProcessorFactory.Create(PreprocessorConfig.Parse(recipe.PreprocessorConfigJson(), "ablation recipe"));
        var train = new FashionScenes(data, scenesConfig, SceneSplit.Train);
        var heldOut = new FashionScenes(data, scenesConfig, SceneSplit.HeldOut);
        var rows = new List<AblationRow>();
        foreach (var (name, description, objectives) in Rows)
        {
            string folder = Path.Combine(o.OutputFolder, Slug(name));
            Directory.CreateDirectory(folder);
            File.Copy(tokenizerPath, Path.Combine(folder, "tokenizer.model"), overwrite: true);
            File.WriteAllText(Path.Combine(folder, "preprocessor_config.json"), recipe.PreprocessorConfigJson() + "\n");
            File.WriteAllText(Path.Combine(folder, "tokenizer_config.json"), recipe.TokenizerConfigJson() + "\n");
            log($"row {name}: training {recipe.Steps} steps × {recipe.BatchSize} ({description}) …");
            var clock = Stopwatch.StartNew();
            using var trainer = Siglip2RecipeTrainer.FromScratch(recipe.ModelConfig(tokenizer.VocabularySize), recipe.Options(), objectives, tokenizer.VocabularySize);
            using var source = new RecipeBatchSource(train, images, text, recipe.BatchSize, objectives, recipe.Steps, recipe.Seed);
            var reports = trainer.Train(source, progress: progress);
            double seconds = clock.Elapsed.TotalSeconds;
            trainer.SaveCheckpoint(folder);
            WriteLossLog(Path.Combine(folder, "recipe_loss_log.csv"), reports);
            log($"row {name}: evaluating …");
            trainer.Model.eval(); trainer.Decoder?.eval();
            using var pipeline = EmbeddingPipeline.Load(folder, new EmbeddingPipelineOptions { BatchSize = 256 });
            var zeroShot = ZeroShotClassification.Run(pipeline, data.Test, ["en"], o.ZeroShotImages);
            var retrieval = SceneRetrieval.Run(pipeline, heldOut, o.RetrievalScenes);
            double referring = double.NaN;
            if (trainer.Decoder is not null)
                referring = ReferringExpressionEvaluation.Run(trainer.Model, trainer.Decoder, source.Locca!, images, heldOut, o.ReferringScenes).Accuracy;
            // the probe uses scenes after the retrieval ones
            var probeScenes = new FashionScenes(data, scenesConfig with { Seed = recipe.Seed + 1 }, SceneSplit.HeldOut);
            var dense = DenseFeatureProbe.Run(trainer.Model, images, probeScenes, o.ProbeTrainScenes, o.ProbeTestScenes, seed: recipe.Seed);
            var row = new AblationRow(name, description, zeroShot[0].Top1, retrieval.ImageToTextR1, retrieval.TextToImageR1, referring,
                dense.MeanIou, reports.TakeLast(10).Average(r => r.Sigmoid), seconds);
            log($"row {name}: zero-shot {Pct(row.ZeroShotEnglish)}, I→T R@1 {Pct(row.ImageToTextR1)}, referring {Pct(row.ReferringAccuracy)}, mIoU {Pct(row.SegmentationMeanIou)} ({seconds:0} s training)");
            rows.Add(row);
        }
        return rows;
    }

    private static void WriteLossLog(string path, IReadOnlyList<RecipeStepReport> reports)
    {
        var sb = new StringBuilder("step,loss,sigmoid,locca,silc,tips,learning_rate,seconds\n");
        foreach (var r in reports)
            sb.AppendLine(string.Join(",", new[] { r.Step, r.Loss, r.Sigmoid, r.Locca, r.Silc, r.Tips, r.LearningRate, r.Seconds }
                .Select(v => v.ToString("G6", CultureInfo.InvariantCulture))));
        File.WriteAllText(path, sb.ToString());
    }

    public static string ToMarkdown(IReadOnlyList<AblationRow> rows, AblationOptions o)
    {
        var r = o.Recipe;
        var sb = new StringBuilder();
        sb.AppendLine($"Recipe `{r.Name}`: ViT p{r.PatchSize} w{r.VisionWidth} d{r.VisionDepth} at {r.ImageSize}×{r.ImageSize}, text w{r.TextWidth} d{r.TextDepth}, " +
                      $"batch {r.BatchSize}, {r.Steps} steps, lr {r.LearningRate}, seed {r.Seed} (same data order, initialisation and step count in every row). " +
                      $"Zero-shot: first {o.ZeroShotImages} Fashion-MNIST test images, English prompts; retrieval: {o.RetrievalScenes} held-out scenes; " +
                      $"referring: every expression of {o.ReferringScenes} held-out scenes (IoU ≥ 0.5); segmentation: linear probe on frozen patch features, " +
                      $"{o.ProbeTrainScenes} train / {o.ProbeTestScenes} test held-out scenes, mIoU over background + 10 classes.");
        sb.AppendLine();
        sb.AppendLine("| row | objectives | zero-shot (en) | I→T R@1 | T→I R@1 | referring acc. | seg. mIoU | train time |");
        sb.AppendLine("|---|---|---|---|---|---|---|---|");
        foreach (var x in rows)
            sb.AppendLine($"| {x.Name} | {x.Objectives} | {Pct(x.ZeroShotEnglish)} | {Pct(x.ImageToTextR1)} | {Pct(x.TextToImageR1)} | {Pct(x.ReferringAccuracy)} | {Pct(x.SegmentationMeanIou)} | {x.TrainSeconds:0} s |");
        return sb.ToString();
    }

    public static string Pct(double v) => double.IsNaN(v) ? "—" : (100 * v).ToString("0.0", CultureInfo.InvariantCulture) + "%";

    private static string Slug(string name) => name.Replace("+ ", "plus-").Replace(' ', '-').ToLowerInvariant();
}
