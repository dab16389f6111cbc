using Siglip2.Configuration;
using Siglip2.Data;
using Siglip2.Distributed;

namespace Siglip2.Training;

/// <summary>
/// A preset's full recipe trained from scratch on the user's image–text pairs (<see cref="TrainingRunOptions.ImageTextData"/>,
/// an <see cref="ImageTextDataSpec"/>): the preset's model config, schedule and global batch
/// (<see cref="TrainingRecipe.BatchSize"/>), a SentencePiece tokenizer trained on the first
/// <see cref="TrainingRecipe.TokenizerCorpusScenes"/> captions of the data in file order, the recipe's image and text
/// processors, and the recipe's objectives: the sigmoid loss; LocCa as captioning from the captions only (the data has
/// no boxes: no referring or grounded rows); SILC/TIPS on random crops from 80 % of the steps
/// (<see cref="UserDataRecipeBatchSource"/>). The checkpoint, state, snapshots and logs are <see cref="TrainingRun"/>'s.
/// Data-parallel over an <see cref="IProcessGroup"/> as fine-tuning is (<see cref="FineTuneRun"/>): each rank reads and
/// decodes its rows of every global batch, rank 0 trains the tokenizer and writes; the one-process run sees the same
/// global batches. Skipped samples are counted and logged at the end.
/// </summary>
public static class UserDataTrainingRun
{
    public static TrainingRunResult Execute(TrainingRunOptions o, IProcessGroup group, IProgress<TrainingStepReport>? progress = null, Action<string>? log = null)
    {
        log ??= _ => { };
        string spec = o.ImageTextData ?? throw new ArgumentException("the run has no image–text data; use TrainingRun.Execute for FashionScenes", nameof(o));
        if (o.DataDirectory is not null)
            throw new Siglip2Exception("a run trains on FashionScenes (a Fashion-MNIST folder) or on image–text data, not both; give one --data");
        var recipe = o.Recipe with { ImageTextData = spec };
        var run = new RunFolder(o.OutputFolder);
        bool main = group.Rank == 0;
        var data = ParseData(spec);
        if (main)
        {
            run.CheckMainRun(o.Resume);
            if (o.Resume && RunFolder.TryReadRecipe(run.Path) is { } trained && trained.ImageTextData != spec)
                throw new Siglip2Exception(trained.ImageTextData is null
                    ? $"{run.Path} was trained on FashionScenes; resume it without --data SPEC (or with the Fashion-MNIST folder)"
                    : $"{run.Path} was trained on --data '{trained.ImageTextData}', not '{spec}'; resume it with the same --data");
            Directory.CreateDirectory(run.Path);
        }
        group.Barrier();
        if (main)
        {
            // the first captions in the spec's file order: the same tokenizer for every seed and world size
            run.EnsureTokenizer(recipe, data.Shards.SelectMany(s => s.ReadRecords()).Select(r => r.Text), log);
            run.WriteConfigs(recipe);
        }
        group.Barrier();
        var (text, images, vocab) = run.Processors(recipe);

        var process = TrainingProcess.Of(group);
        using var trainer = o.Resume
            ? Trainer.Resume(run.Path, process: process)
            : Trainer.FromScratch(recipe.ModelConfig(vocab), recipe.Options(), recipe.Objectives, vocab, process);
        if (group.Size > 1) ReplicaConsistency.EnsureIdentical(group, trainer.Model.parameters().ToList());
        long first = trainer.Step, total = trainer.Options.Schedule.TotalSteps, until = Math.Min(total, o.MaxSteps ?? total);
        if (first >= until)
        {
            log($"nothing to do: the run is at step {first} of {until}");
            return new TrainingRunResult(run.Path, first, first, total, 0, 0, 0, double.NaN, run.File(RunFolder.LossLogFileName));
        }
        var objectives = trainer.Objectives;
        using var source = new UserDataRecipeBatchSource(data, images, text, ImageTextBatchOptions.ForProcess(group, recipe.BatchSize, recipe.Seed, o.ShuffleBufferSize, o.DataWorkers), objectives, total);
        if (main)
        {
            log($"training {recipe.Name} from scratch on {data.Describe()} ({spec})"
                + (objectives.Locca || objectives.SelfDistillation
                    ? $" with the SigLIP 2 recipe (LocCa {(objectives.Locca ? "on" : "off")}, SILC/TIPS {(objectives.SelfDistillation ? $"from step {trainer.SelfDistillationStep + 1}" : "off")})"
                    : "")
                + $": steps {first + 1}..{until} of {total}, global batch {recipe.BatchSize}"
                + (group.Size > 1 ? $" over {group.Size} processes ({recipe.BatchSize / group.Size} each)" : "")
                + $", {(recipe.Naflex ? $"NaFlex {recipe.MaxNumPatches} patches" : $"{recipe.ImageSize}×{recipe.ImageSize}")}");
            if (objectives.Locca)
                log("LocCa on image–text data: captioning targets from the captions only; the data has no boxes, so no referring-expression or grounded-caption rows");
        }
        var result = TrainingRun.Steps(run, trainer, source, until, o.CheckpointEvery, StageSnapshots.Steps(total), progress);
        if (main && source.Skips.Total > 0) log("data: " + source.Skips.Summary());
        return result;
    }

    /// <summary>
    /// The spec parsed; a single path that is neither kind of data (a folder without images or shards, a missing path)
    /// gets one line naming both layouts `--data` takes with a preset.
    /// </summary>
    public static ImageTextDataSpec ParseData(string spec)
    {
        try { return ImageTextDataSpec.Parse(spec); }
        catch (Siglip2Exception e) when (!spec.Contains("::") && !spec.Contains('{') && !spec.Contains('*') && !spec.Contains('?')
                                         && (Directory.Exists(spec) || !File.Exists(spec)))
        {
            throw new Siglip2Exception(
                $"--data '{spec}' is neither a Fashion-MNIST folder (the IDX files {string.Join(", ", FashionMnist.FileNames)}) "
                + $"nor image–text data (tar shards, a .jsonl/.csv manifest, or a folder of images with .txt captions): {MessageText.OneLine(e.Message)}");
        }
    }
}
