using System.Diagnostics;
using Siglip2.Configuration;
using Siglip2.Data;
using Siglip2.Processing.Images;
using Siglip2.Processing.Text;

namespace Siglip2.Training;

/// <summary>What <see cref="TrainingRun.Execute"/> is asked to do.</summary>
public sealed record TrainingRunOptions
{
    public required TrainingRecipe Recipe { get; init; }
    public required string OutputFolder { get; init; }
    /// <summary>Folder with the four Fashion-MNIST IDX files; null = Debian's dataset-fashion-mnist.</summary>
    public string? DataDirectory { get; init; }
    /// <summary>Stop after this many steps in total (the schedule still spans the recipe's steps).</summary>
    public long? MaxSteps { get; init; }
    public bool Resume { get; init; }
    public long CheckpointEvery { get; init; } = 200;
}

/// <summary>Summary of a finished (or capped) run.</summary>
public sealed record TrainingRunResult(string OutputFolder, long FirstStep, long LastStep, long TotalSteps, double Seconds,
    double ImagesPerSecond, double DataWaitShare, double FinalLoss, string LossLogPath, double DataPrepareShare = 0);

/// <summary>
/// One FashionScenes training run end to end: tokenizer (SentencePiece, trained on the captions), checkpoint files
/// in the Hugging Face layout (config.json, model.safetensors, tokenizer.model, tokenizer_config.json,
/// preprocessor_config.json), the sigmoid-loss trainer, training state for resuming, and a loss log.
/// </summary>
public static class TrainingRun
{
    public const string LossLogFileName = "loss_log.csv";
    public const string RecipeFileName = "recipe.json";

    public static TrainingRunResult Execute(TrainingRunOptions o, IProgress<TrainingStepReport>? progress = null, Action<string>? log = null)
    {
        log ??= _ => { };
        var recipe = o.Recipe;
        string output = o.OutputFolder;
        bool hasState = File.Exists(Path.Combine(output, TrainingState.FileName));
        if (o.Resume && !hasState)
            throw new Siglip2Exception($"nothing to resume in {output}: it has no {TrainingState.FileName} (start a new run without --resume)");
        if (!o.Resume && hasState)
            throw new Siglip2Exception($"{output} already holds a training run; pass --resume to continue it or choose another --output");
        Directory.CreateDirectory(output);

        var data = FashionMnist.Load(o.DataDirectory);
        var scenesConfig = recipe.Scenes with { Seed = recipe.Seed };
        string tokenizerPath = Path.Combine(output, "tokenizer.model");
        if (!File.Exists(tokenizerPath))
        {
            log($"training the caption tokenizer (SentencePiece BPE, vocabulary {recipe.VocabSize}) …");
            CaptionTokenizerTrainer.TrainTokenizer(scenesConfig, tokenizerPath, recipe.VocabSize, recipe.Seed, data, recipe.TokenizerCorpusScenes);
            string vocab = Path.ChangeExtension(tokenizerPath, ".vocab");
            if (File.Exists(vocab)) File.Delete(vocab);
        }
        File.WriteAllText(Path.Combine(output, "preprocessor_config.json"), recipe.PreprocessorConfigJson() + "\n");
        File.WriteAllText(Path.Combine(output, "tokenizer_config.json"), recipe.TokenizerConfigJson() + "\n");
        File.WriteAllText(Path.Combine(output, RecipeFileName), System.Text.Json.JsonSerializer.Serialize(recipe, new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) + "\n");

        var tokenizer = SentencePieceBpeTokenizer.Load(tokenizerPath);
        var text = new SiglipTextProcessor(tokenizer, new SiglipTextSettings(Length: recipe.TextLength));
        var images = ImageProcessorFactory.Create(PreprocessorConfig.Load(Path.Combine(output, "preprocessor_config.json")));

        using var trainer = o.Resume
            ? SiglipTrainer.Resume(output)
            : SiglipTrainer.FromScratch(recipe.ModelConfig(tokenizer.VocabularySize), recipe.Options());
        long first = trainer.Step;
        long total = trainer.Options.Schedule.TotalSteps;
        long until = Math.Min(total, o.MaxSteps ?? total);
        if (first >= until)
        {
            log($"nothing to do: the run is at step {first} of {until}");
            return new TrainingRunResult(output, first, first, total, 0, 0, 0, double.NaN, Path.Combine(output, LossLogFileName));
        }
        var scenes = new FashionScenes(data, scenesConfig, SceneSplit.Train);
        using var source = new FashionScenesBatchSource(scenes, images, text, recipe.BatchSize, workers: 1);
        using var lossLog = new LossLogWriter(Path.Combine(output, LossLogFileName), first);
        var reports = new CompositeProgress(lossLog, progress);
        log($"training {recipe.Name}: steps {first + 1}..{until} of {total}, batch {recipe.BatchSize}, {(recipe.Naflex ? $"NaFlex {recipe.MaxNumPatches} patches" : $"{recipe.ImageSize}×{recipe.ImageSize}")}");
        var clock = Stopwatch.StartNew();
        var steps = trainer.Train(source, until, reports, output, o.CheckpointEvery);
        double seconds = clock.Elapsed.TotalSeconds;
        long images_ = steps.Sum(s => s.BatchSize);
        return new TrainingRunResult(output, first, trainer.Step, total, seconds, images_ / seconds,
            source.WaitSeconds / seconds, steps.Count > 0 ? steps[^1].Loss : double.NaN, lossLog.Path, source.PrepareSeconds / seconds);
    }

    private sealed class CompositeProgress(params IProgress<TrainingStepReport>?[] targets) : IProgress<TrainingStepReport>
    {
        public void Report(TrainingStepReport value)
        {
            foreach (var t in targets) t?.Report(value);
        }
    }
}
