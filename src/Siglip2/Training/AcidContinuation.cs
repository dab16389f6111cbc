using Siglip2.Configuration;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Siglip2.Data;

namespace Siglip2.Training;

/// <summary>One step of an ACID stage: the trainer's report and what the selection saw.</summary>
public sealed record AcidStepReport(TrainingStepReport Step, AcidSelectionStats Selection, long TotalSteps);

/// <summary>Summary of a finished ACID stage.</summary>
public sealed record AcidResult(string OutputFolder, bool Curated, long Steps, int BatchSize, int SuperBatchSize, long FirstScene,
    double LearningRate, double Seconds, double FinalLoss, double LearnabilityAll, double LearnabilityKept, string LogPath);

/// <summary>
/// The ACID stage of SigLIP 2 (paper §2, for its smallest models; ACID: Udandarao et al. 2024, arXiv 2411.18674):
/// after the main training, the learner checkpoint continues with the sigmoid loss only, a constant learning rate
/// (<see cref="AcidOptions.DefaultLearningRate"/>; the paper: 1e-5) and no weight decay, while a frozen, larger or
/// better trained teacher checkpoint and the learner score every super-batch of N = ⌊B / keep⌋ FashionScenes by
/// learnability (learner loss − teacher loss, each model on its own tokenizer and image size; the exact rule is in
/// <see cref="LearnabilitySelection"/>) and the learner trains on the ⌈N·keep⌉ = B most learnable
/// (<see cref="AcidBatchSource"/>). With <see cref="AcidOptions.Curate"/> off it is the control: the same stage on the
/// first B scenes of each super-batch.
/// <para>
/// The output folder is a normal checkpoint (config.json, model.safetensors, the learner's tokenizer, tokenizer_config.json,
/// preprocessor_config.json and recipe.json; its LocCa decoder files, unchanged, when it has them) plus optimizer.bin,
/// training_state.json, loss_log.csv, acid_log.csv (per step: loss, learning rate, mean learner / teacher losses and
/// learnability over the super-batch and over the kept examples) and acid.json (settings and summary).
/// </para>
/// </summary>
public static class AcidContinuation
{
    public const string SummaryFileName = "acid.json";
    public const string LogFileName = "acid_log.csv";
    public const string LogHeader = "step,loss,learning_rate,grad_norm,super_batch,kept,learner_loss_all,learner_loss_kept,teacher_loss_all,teacher_loss_kept,learnability_all,learnability_kept,seconds";

    /// <summary>Learner files copied into the output unchanged (the processors, the run's recipe, the LocCa decoder).</summary>
    private static readonly string[] CarriedFiles =
    [
        RunFolder.TokenizerFileName, "tokenizer.json", "tokenizer.json.gz", RunFolder.TokenizerConfigFileName, "special_tokens_map.json",
        RunFolder.PreprocessorConfigFileName, RunFolder.RecipeFileName, TrainingCheckpoint.DecoderFileName, TrainingCheckpoint.ObjectivesFileName,
    ];

    /// <summary>The optimisation of the stage: constant <paramref name="learningRate"/> for <paramref name="steps"/> steps, no weight decay.</summary>
    public static TrainingOptions StageOptions(long steps, double learningRate, double gradClipNorm = 1.0) => new()
    {
        Schedule = new LearningRateSchedule(learningRate, warmupSteps: 0, totalSteps: steps, finalLearningRate: learningRate),
        WeightDecay = 0,
        GradClipNorm = gradClipNorm,
    };

    public static AcidResult Execute(AcidOptions o, IProgress<AcidStepReport>? progress = null, Action<string>? log = null)
    {
        log ??= _ => { };
        o.Validate();
        if (!Directory.Exists(o.LearnerFolder))
            throw new Siglip2Exception($"learner checkpoint folder not found: {o.LearnerFolder} (pass the folder of a trained model, e.g. from `siglip2 train`)");
        if (o.Curate && !Directory.Exists(o.TeacherFolder))
            throw new Siglip2Exception($"teacher checkpoint folder not found: {o.TeacherFolder} (train one first, e.g. `siglip2 train --preset small --output {o.TeacherFolder}`)");
        string output = o.OutputFolder;
        if (Path.GetFullPath(output).TrimEnd('/') == Path.GetFullPath(o.LearnerFolder).TrimEnd('/'))
            throw new Siglip2Exception($"the ACID output {output} is the learner's folder; choose another --output");
        if (File.Exists(Path.Combine(output, "model.safetensors")) || File.Exists(Path.Combine(output, SummaryFileName)))
            throw new Siglip2Exception($"{output} already holds a checkpoint; choose another --output (an ACID stage is not resumed)");

        var run = LearnerRun.Read(o.LearnerFolder);
        int batch = o.BatchSize ?? run.BatchSize
            ?? throw new Siglip2Exception($"{o.LearnerFolder} has no {RunFolder.RecipeFileName} to take the batch size from; give it (--batch-size)");
        long steps = o.Steps ?? (run.StepsDone is long done ? Math.Max(1, (long)Math.Round(done * AcidOptions.DefaultStepShare)) : 0);
        if (steps < 1)
            throw new Siglip2Exception($"{o.LearnerFolder} has no {TrainingState.FileName} to take the stage length from; give it (--steps)");
        long firstScene = o.FirstScene ?? (run.StepsDone * run.BatchSize ?? 0);
        var scenesConfig = run.Scenes ?? new FashionScenesConfig();
        if (run.Scenes is null) log($"note: {o.LearnerFolder} has no {RunFolder.RecipeFileName}; using the default FashionScenes settings");
        if (o.FirstScene is null && run.StepsDone is null) log("note: the learner's training length is unknown; the stage starts at scene 0 and may repeat its training scenes");

        using var learner = ScoringCheckpoint.Load(o.LearnerFolder, "learner");
        using var teacher = o.Curate ? ScoringCheckpoint.Load(o.TeacherFolder!, "teacher") : null;
        teacher?.Model.eval();
        var data = FashionMnist.Load(o.DataDirectory);
        var scenes = new FashionScenes(data, scenesConfig, SceneSplit.Train);
        var options = StageOptions(steps, o.LearningRate, o.GradClipNorm);
        using var trainer = new Trainer(learner.Model, options);
        using var source = new AcidBatchSource(scenes, learner, teacher, batch, o.Keep, firstScene);

        Directory.CreateDirectory(output);
        foreach (var name in CarriedFiles)
        {
            string from = Path.Combine(o.LearnerFolder, name);
            if (File.Exists(from)) File.Copy(from, Path.Combine(output, name), overwrite: true);
        }
        log(o.Curate
            ? $"ACID: {steps} steps, each scoring {source.SuperBatchSize} scenes with learner and teacher and training on the {batch} most learnable (keep {o.Keep.ToString(CultureInfo.InvariantCulture)}), lr {o.LearningRate.ToString(CultureInfo.InvariantCulture)}, no weight decay, scenes from {firstScene}"
            : $"control (no curation): {steps} steps on the first {batch} of every {source.SuperBatchSize} scenes, lr {o.LearningRate.ToString(CultureInfo.InvariantCulture)}, no weight decay, scenes from {firstScene}");

        string logPath = Path.Combine(output, LogFileName);
        using var lossLog = new LossLogWriter(Path.Combine(output, RunFolder.LossLogFileName));
        using var acidLog = new StreamWriter(logPath, append: false);
        acidLog.WriteLine(LogHeader);
        double last = double.NaN, sumAll = 0, sumKept = 0;
        // each report comes right after its step, before the next batch is drawn: LastSelection is that step's
        var observer = new StepObserver(r =>
        {
            var stats = source.LastSelection!;
            if (r.Step == 1 && teacher is not null && !(stats.TeacherLossAll < stats.LearnerLossAll))
                log($"note: on the first super-batch the teacher's mean loss ({stats.TeacherLossAll:0.00}) is not below the learner's ({stats.LearnerLossAll:0.00}); a teacher should be the larger or better trained model");
            lossLog.Report(r);
            acidLog.WriteLine(string.Join(",", new double[] { r.Step, r.Loss, r.LearningRate, r.GradNorm, stats.SuperBatch, stats.Kept,
                stats.LearnerLossAll, stats.LearnerLossKept, stats.TeacherLossAll, stats.TeacherLossKept, stats.LearnabilityAll, stats.LearnabilityKept, r.Seconds }
                .Select(v => v.ToString("G6", CultureInfo.InvariantCulture))));
            acidLog.Flush();
            last = r.Loss; sumAll += stats.LearnabilityAll; sumKept += stats.LearnabilityKept;
            progress?.Report(new AcidStepReport(r, stats, steps));
        });
        var clock = Stopwatch.StartNew();
        trainer.Train(source, steps, observer, checkpointFolder: output);
        double seconds = clock.Elapsed.TotalSeconds;
        var result = new AcidResult(output, o.Curate, steps, batch, source.SuperBatchSize, firstScene, o.LearningRate, seconds, last,
            sumAll / steps, sumKept / steps, logPath);
        AtomicFile.WriteAllText(Path.Combine(output, SummaryFileName), JsonSerializer.Serialize(new
        {
            stage = o.Curate ? "acid" : "control (no curation)",
            learner = Path.GetFullPath(o.LearnerFolder),
            teacher = teacher is null ? null : Path.GetFullPath(teacher.Folder),
            selection = o.Curate
                ? "per example i: l_i = -sum_j log sigmoid(z_ij (t x_i.y_j + b)) over the super-batch, for learner and teacher on their own inputs; keep the ceil(N*keep) largest l_i(learner) - l_i(teacher)"
                : "the first B scenes of each super-batch (no scoring)",
            keep = o.Keep,
            steps,
            batch_size = batch,
            super_batch_size = source.SuperBatchSize,
            first_scene = firstScene,
            learning_rate = o.LearningRate,
            weight_decay = options.WeightDecay,
            grad_clip_norm = o.GradClipNorm,
            seconds,
            final_loss = last,
            mean_learnability_all = double.IsNaN(result.LearnabilityAll) ? (double?)null : result.LearnabilityAll,
            mean_learnability_kept = double.IsNaN(result.LearnabilityKept) ? (double?)null : result.LearnabilityKept,
        }, new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n");
        return result;
    }

    /// <summary>What the learner's folder says about the run that made it (recipe.json, training_state.json); null where it says nothing.</summary>
    private sealed record LearnerRun(FashionScenesConfig? Scenes, int? BatchSize, long? StepsDone)
    {
        public static LearnerRun Read(string folder)
        {
            // a run trains on its recipe's scenes with the recipe's seed (TrainingRun)
            var recipe = RunFolder.TryReadRecipe(folder);
            if (recipe?.ImageTextData is { } data)
                throw new Siglip2Exception($"{folder} was trained on the image–text data '{data}'; ACID curates FashionScenes super-batches and continues a FashionScenes run");
            long? steps = File.Exists(Path.Combine(folder, TrainingState.FileName)) ? TrainingState.Load(folder).Step : null;
            return new LearnerRun(recipe?.RunScenes, recipe?.BatchSize, steps);
        }
    }

    /// <summary>Reports on the caller's thread, in order.</summary>
    private sealed class StepObserver(Action<TrainingStepReport> action) : IProgress<TrainingStepReport>
    {
        public void Report(TrainingStepReport value) => action(value);
    }
}
