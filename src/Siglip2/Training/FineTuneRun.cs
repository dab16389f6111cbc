using System.Diagnostics;
using Siglip2.Checkpoints;
using Siglip2.Configuration;
using Siglip2.Data;
using Siglip2.Distributed;
using Siglip2.Processing.Images;
using Siglip2.Processing.Text;

namespace Siglip2.Training;

/// <summary>What <see cref="FineTuneRun.Execute"/> is asked to do.</summary>
public sealed record FineTuneOptions
{
    /// <summary>The checkpoint to start from: a Hugging Face folder of either layout, with its tokenizer and processor config.</summary>
    public required string InitFolder { get; init; }
    public required string Data { get; init; }
    public required string OutputFolder { get; init; }
    public long Steps { get; init; } = 1000;
    /// <summary>The global batch over all processes (the paper's 32k is global).</summary>
    public int GlobalBatchSize { get; init; } = 64;
    /// <summary>Peak learning rate; fine-tuning a released checkpoint wants a small one (the default).</summary>
    public double LearningRate { get; init; } = 1e-5;
    /// <summary>Linear warm-up steps (default: 10 % of the steps, at most 500).</summary>
    public long? WarmupSteps { get; init; }
    public double WeightDecay { get; init; } = 1e-4;
    /// <summary>LiT: the image tower stays as released (and out of the optimizer).</summary>
    public bool LockImageTower { get; init; }
    public bool LockTextTower { get; init; }
    public long Seed { get; init; }
    public bool Resume { get; init; }
    public long CheckpointEvery { get; init; } = 200;
    /// <summary>Stop after this many steps in total (the schedule still spans <see cref="Steps"/>).</summary>
    public long? MaxSteps { get; init; }
    public int ShuffleBufferSize { get; init; } = 1000;
    public int? DataWorkers { get; init; }
}

/// <summary>
/// Fine-tuning a released checkpoint on the user's image–text pairs (<see cref="ImageTextDataSpec"/>), a thin
/// configuration over <see cref="Trainer"/>: the checkpoint's own tokenizer and image processor, the sigmoid loss, AdamW
/// with warm-up + cosine, optional locked towers (LiT), checkpoints in the Hugging Face layout that transformers loads
/// (config.json, model.safetensors and the checkpoint's tokenizer/processor files) beside the training state, and
/// resuming. Data-parallel over an <see cref="IProcessGroup"/>: every rank reads its slice of each global batch, the
/// sigmoid loss meets every rank's texts around the ring (<see cref="RingSigmoidLoss"/>), gradients are averaged
/// (<see cref="MpiGradientSynchronizer"/>), and only rank 0 writes. The same command without <c>mpirun</c> is the
/// one-process run with the same global batches.
/// </summary>
public static class FineTuneRun
{
    /// <summary>The checkpoint's files that travel with the fine-tuned weights (what the model needs besides them).</summary>
    public static readonly string[] CompanionFiles =
    [
        "tokenizer.json", "tokenizer.json.gz", "tokenizer.model", "tokenizer_config.json", "special_tokens_map.json",
        "preprocessor_config.json", "processor_config.json",
    ];

    public static TrainingRunResult Execute(FineTuneOptions o, IProcessGroup group, IProgress<TrainingStepReport>? progress = null, Action<string>? log = null)
    {
        log ??= _ => { };
        var run = new RunFolder(o.OutputFolder);
        bool main = group.Rank == 0;
        if (main) run.RecoverInterruptedSave();
        group.Barrier();
        if (o.Resume && !run.HasTrainingState)
            throw new Siglip2Exception($"nothing to resume in {run.Path}: it has no {TrainingState.FileName} (start without --resume)");
        if (!o.Resume && run.HasTrainingState)
            throw new Siglip2Exception($"{run.Path} already holds a training run; pass --resume to continue it or choose another --output");
        if (o.Steps < 1) throw new Siglip2Exception($"--steps must be ≥ 1, got {o.Steps}");
        var data = ImageTextDataSpec.Parse(o.Data);
        string init = o.InitFolder;
        var images = ImageProcessorFactory.Create(PreprocessorConfig.Load(RequireFile(init, "preprocessor_config.json")));
        var text = SiglipTextProcessor.FromFolder(init);
        if (main)
        {
            Directory.CreateDirectory(run.Path);
            run.CopyFrom(init, CompanionFiles.Where(f => File.Exists(Path.Combine(init, f))).ToArray());
        }
        group.Barrier();

        var process = TrainingProcess.Of(group);
        long warmup = o.WarmupSteps ?? Math.Min(500, o.Steps / 10);
        var options = new TrainingOptions
        {
            Seed = o.Seed,
            Schedule = new LearningRateSchedule(o.LearningRate, warmup, o.Steps),
            WeightDecay = o.WeightDecay,
            LockImageTower = o.LockImageTower,
            LockTextTower = o.LockTextTower,
        };
        Siglip2.Modeling.Siglip2Model? model = null;
        Trainer trainer;
        if (o.Resume) trainer = Trainer.Resume(run.Path, process: process);
        else
        {
            model = CheckpointLoader.Load(init);
            try { trainer = new Trainer(model, options, process: process); }
            catch { model.Dispose(); throw; }
        }
        try
        {
            if (group.Size > 1) ReplicaConsistency.EnsureIdentical(group, trainer.Model.parameters().ToList()); // every rank starts from the same weights
            long first = trainer.Step, total = trainer.Options.Schedule.TotalSteps, until = Math.Min(total, o.MaxSteps ?? total);
            if (first >= until)
            {
                log($"nothing to do: the run is at step {first} of {until}");
                return new TrainingRunResult(run.Path, first, first, total, 0, 0, 0, double.NaN, run.File(RunFolder.LossLogFileName));
            }
            using var source = new ImageTextBatchSource(data, images, text, ImageTextBatchOptions.ForProcess(group, o.GlobalBatchSize, o.Seed, o.ShuffleBufferSize, o.DataWorkers));
            log($"fine-tuning {init} on {data.Describe()}: steps {first + 1}..{until} of {total}, global batch {o.GlobalBatchSize}"
                + (group.Size > 1 ? $" over {group.Size} processes ({o.GlobalBatchSize / group.Size} each)" : "")
                + (o.LockImageTower ? ", image tower locked (LiT)" : "") + (o.LockTextTower ? ", text tower locked" : ""));
            using var logs = run.OpenLogs(first, main);
            var clock = Stopwatch.StartNew();
            var reports = trainer.Train(source, until, new Both(logs, progress), run.Path, o.CheckpointEvery);
            double seconds = clock.Elapsed.TotalSeconds;
            if (main && source.Skips.Total > 0) log("data: " + source.Skips.Summary());
            return new TrainingRunResult(run.Path, first, trainer.Step, total, seconds, reports.Sum(r => r.BatchSize) * group.Size / seconds,
                source.WaitSeconds / seconds, reports.Count > 0 ? reports[^1].Loss : double.NaN, logs.LossLogPath, source.PrepareSeconds / seconds);
        }
        finally
        {
            trainer.Dispose();
            model?.Dispose();
        }
    }

    private static string RequireFile(string folder, string name)
    {
        string path = Path.Combine(folder, name);
        if (!File.Exists(path)) throw new Siglip2Exception($"no {name} in {folder}: fine-tuning keeps the checkpoint's own image processing; copy it from the model repository");
        return path;
    }

    private sealed class Both(IProgress<TrainingStepReport> a, IProgress<TrainingStepReport>? b) : IProgress<TrainingStepReport>
    {
        public void Report(TrainingStepReport value)
        {
            a.Report(value);
            b?.Report(value);
        }
    }
}
