using System.Text.Json;
using Siglip2.Configuration;
using Siglip2.Data;
using Siglip2.Processing.Images;
using Siglip2.Processing.Text;

namespace Siglip2.Training;

/// <summary>
/// A run's output folder: every file name a run writes beside its <see cref="TrainingCheckpoint"/>, and the run setup
/// shared by <see cref="TrainingRun"/>, <see cref="StageContinuation"/>, <see cref="AcidContinuation"/> and the ablation:
/// the start / resume checks, the caption tokenizer, the processor configs of the Hugging Face layout
/// (tokenizer.model, tokenizer_config.json, preprocessor_config.json), recipe.json (written and read only here) and
/// the loss logs (<see cref="OpenLogs"/>).
/// </summary>
public sealed class RunFolder(string path)
{
    /// <summary>Per step: step, total loss, learning rate, temperature, bias, gradient norm, batch, seconds, images/s (<see cref="LossLogWriter"/>).</summary>
    public const string LossLogFileName = "loss_log.csv";
    /// <summary>Per step: the total and each term's loss (<see cref="TermLogWriter"/>).</summary>
    public const string TermLogFileName = "recipe_loss_log.csv";
    public const string RecipeFileName = "recipe.json";
    public const string TokenizerFileName = "tokenizer.model";
    public const string TokenizerConfigFileName = "tokenizer_config.json";
    public const string PreprocessorConfigFileName = "preprocessor_config.json";

    public string Path { get; } = path;

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public bool HasTrainingState => System.IO.File.Exists(File(TrainingState.FileName));

    /// <summary>Completes or drops a checkpoint save a killed run did not finish (<see cref="Trainer.RecoverStaged"/>).</summary>
    public void RecoverInterruptedSave()
    {
        if (Directory.Exists(Path)) Trainer.RecoverStaged(Path);
    }

    /// <summary>The checks of a main run's start (<paramref name="resume"/> false) or resumption, with the fix in each message.</summary>
    public void CheckMainRun(bool resume)
    {
        RecoverInterruptedSave();
        if (resume && !HasTrainingState)
            throw new Siglip2Exception($"nothing to resume in {Path}: it has no {TrainingState.FileName} (start a new run without --resume)");
        if (!resume && HasTrainingState)
            throw new Siglip2Exception($"{Path} already holds a training run; pass --resume to continue it or choose another --output");
        if (ContinuationRecord.Exists(Path))
            throw new Siglip2Exception($"{Path} holds a continued run (stage.json); resume it as a continuation (StageContinuation, `siglip2 train --output {Path} --resume`)");
    }

    /// <summary>Trains the recipe's SentencePiece caption tokenizer into this folder unless it is there already.</summary>
    public void EnsureTokenizer(TrainingRecipe recipe, FashionMnist data, Action<string> log)
    {
        string tokenizerPath = File(TokenizerFileName);
        if (System.IO.File.Exists(tokenizerPath)) return;
        log($"training the caption tokenizer (SentencePiece BPE, vocabulary {recipe.VocabSize}) …");
        Directory.CreateDirectory(Path);
        CaptionTokenizerTrainer.TrainTokenizer(recipe.RunScenes, tokenizerPath, recipe.VocabSize, recipe.Seed, data, recipe.TokenizerCorpusScenes);
        string vocab = System.IO.Path.ChangeExtension(tokenizerPath, ".vocab");
        if (System.IO.File.Exists(vocab)) System.IO.File.Delete(vocab);
    }

    /// <summary>
    /// Trains the recipe's SentencePiece tokenizer into this folder on the first <see cref="TrainingRecipe.TokenizerCorpusScenes"/>
    /// of <paramref name="captions"/> (the user's data) unless it is there already.
    /// </summary>
    public void EnsureTokenizer(TrainingRecipe recipe, IEnumerable<string> captions, Action<string> log)
    {
        string tokenizerPath = File(TokenizerFileName);
        if (System.IO.File.Exists(tokenizerPath)) return;
        log($"training the caption tokenizer (SentencePiece BPE, vocabulary {recipe.VocabSize}) on the first {recipe.TokenizerCorpusScenes:N0} captions of the data …");
        Directory.CreateDirectory(Path);
        CaptionTokenizerTrainer.TrainOnCaptions(captions, tokenizerPath, recipe.VocabSize, recipe.Seed, recipe.TokenizerCorpusScenes);
        string vocab = System.IO.Path.ChangeExtension(tokenizerPath, ".vocab");
        if (System.IO.File.Exists(vocab)) System.IO.File.Delete(vocab);
    }

    /// <summary>preprocessor_config.json, tokenizer_config.json and recipe.json of <paramref name="recipe"/>.</summary>
    public void WriteConfigs(TrainingRecipe recipe)
    {
        WritePreprocessorConfig(recipe);
        AtomicFile.WriteAllText(File(TokenizerConfigFileName), recipe.TokenizerConfigJson() + "\n");
        WriteRecipe(recipe);
    }

    public void WritePreprocessorConfig(TrainingRecipe recipe) =>
        AtomicFile.WriteAllText(File(PreprocessorConfigFileName), recipe.PreprocessorConfigJson() + "\n");

    public void WriteRecipe(TrainingRecipe recipe) =>
        AtomicFile.WriteAllText(File(RecipeFileName), JsonSerializer.Serialize(recipe, RecipeJson) + "\n");

    /// <summary>Copies <paramref name="names"/> from <paramref name="source"/>; a missing one is an incomplete source folder.</summary>
    public void CopyFrom(string source, params string[] names)
    {
        Directory.CreateDirectory(Path);
        foreach (var name in names)
        {
            string from = System.IO.Path.Combine(source, name);
            if (!System.IO.File.Exists(from)) throw new Siglip2Exception($"{from} not found: the run folder {source} is incomplete");
            System.IO.File.Copy(from, File(name), overwrite: true);
        }
    }

    /// <summary>The loss logs of <paramref name="source"/> cut after step <paramref name="upToStep"/> (a continued run's curves start with its source's).</summary>
    public void CopyLogsFrom(string source, long upToStep)
    {
        foreach (var name in new[] { LossLogFileName, TermLogFileName })
        {
            string from = System.IO.Path.Combine(source, name);
            if (!System.IO.File.Exists(from)) continue;
            var lines = System.IO.File.ReadAllLines(from);
            AtomicFile.WriteAllText(File(name), string.Concat(lines.Take(1).Concat(StepCsv.RowsUpTo(lines.Skip(1), upToStep)).Select(l => l + "\n")));
        }
    }

    /// <summary>The text and image processors of the folder's tokenizer.model and preprocessor_config.json.</summary>
    public (SiglipTextProcessor Text, IImageProcessor Images, int Vocabulary) Processors(TrainingRecipe recipe)
    {
        var tokenizer = SentencePieceBpeTokenizer.Load(File(TokenizerFileName));
        var text = new SiglipTextProcessor(tokenizer, new SiglipTextSettings(Length: recipe.TextLength));
        var images = ImageProcessorFactory.Create(PreprocessorConfig.Load(File(PreprocessorConfigFileName)));
        return (text, images, tokenizer.VocabularySize);
    }

    /// <summary>Both loss logs, continuing at <paramref name="resumeFromStep"/> (later rows dropped); nothing is written unless <paramref name="write"/>.</summary>
    public RunLogs OpenLogs(long resumeFromStep, bool write = true) => new(this, resumeFromStep, write);

    /// <summary>The recipe.json of a run folder.</summary>
    public TrainingRecipe ReadRecipe() =>
        TryReadRecipe(Path) ?? throw new Siglip2Exception($"{File(RecipeFileName)} not found: {Path} is not a run of `siglip2 train` (it writes recipe.json)");

    /// <summary>The recipe.json of <paramref name="folder"/>, or null when it has none (e.g. a downloaded checkpoint).</summary>
    public static TrainingRecipe? TryReadRecipe(string folder)
    {
        string path = System.IO.Path.Combine(folder, RecipeFileName);
        if (!System.IO.File.Exists(path)) return null;
        try
        {
            return JsonSerializer.Deserialize<TrainingRecipe>(System.IO.File.ReadAllText(path), RecipeJson)
                ?? throw new Siglip2Exception($"{path}: empty recipe");
        }
        catch (JsonException e)
        {
            throw new Siglip2Exception($"{path}: not a valid recipe ({e.Message})");
        }
    }

    private static readonly JsonSerializerOptions RecipeJson = new() { WriteIndented = true };
}
