using System.Text.Json;
using Siglip2.Cli.Infrastructure;
using Siglip2.Distributed;
using Siglip2.Tasks.Evaluation;
using Siglip2.Training;

namespace Siglip2.Cli.Commands;

/// <summary>
/// `siglip2 train --init MODEL --data SPEC`: fine-tuning a released (or any) checkpoint on the user's image–text pairs,
/// in one process or as one rank of `mpirun -np N` (<see cref="ProcessGroup.Create"/>), with held-out retrieval before
/// and after when `--eval-data` is given. A rank that fails ends the whole job (MPI_Abort) with its message, so no
/// peer waits forever; the last checkpoint rank 0 wrote stays as it was.
/// </summary>
public static class FineTuneCommandLine
{
    public const string EvaluationFileName = "finetune_eval.json";

    public static int Run(ParsedArguments a)
    {
        foreach (var option in new[] { "--preset", "--objectives", "--continue-from", "--variant", "--image-size", "--patch-budgets" })
            if (a.Optional(option) is not null)
                throw new UsageException($"{option} cannot be combined with --init: fine-tuning keeps the checkpoint's layout and trains the sigmoid loss");
        string data = a.Required("--data", "the image–text pairs to fine-tune on (tar shards, a JSONL/CSV manifest or a captioned folder)");
        string output = a.Required("--output", "a folder for the fine-tuned checkpoint");
        string initArgument = a.Required("--init", "the checkpoint to fine-tune (a folder or Hub id)");
        var options = new FineTuneOptions
        {
            InitFolder = initArgument,
            Data = data,
            OutputFolder = output,
            Steps = a.Long("--steps", 1000),
            GlobalBatchSize = a.Int("--batch-size", 64, 2, 1 << 20),
            LearningRate = a.Double("--lr", 0) ?? 1e-5,
            WarmupSteps = a.Optional("--warmup") is null ? null : a.Long("--warmup", 0),
            LockImageTower = a.Flag("--lock-image"),
            LockTextTower = a.Flag("--lock-text"),
            Seed = a.Long("--seed", 0),
            Resume = a.Flag("--resume"),
            CheckpointEvery = a.Int("--checkpoint-every", 200, 1),
            MaxSteps = a.Optional("--max-steps") is null ? null : a.Long("--max-steps", 1),
            ShuffleBufferSize = a.Int("--shuffle-buffer", 1000, 1, 10_000_000),
        };
        if (options.Steps < 1) throw new UsageException("--steps must be ≥ 1");
        if (options.LockImageTower && options.LockTextTower) throw new UsageException("--lock-image and --lock-text together leave nothing to train");
        string? evalData = a.Optional("--eval-data");
        string? evalClasses = a.Optional("--eval-classes");
        int evalLimit = a.Int("--eval-limit", 1000, 2, 1_000_000);

        using var group = ProcessGroup.Create();
        try
        {
            bool main = group.Rank == 0;
            // a Hub id is downloaded once, by rank 0; the other ranks then find it in the cache
            string init = main ? Siglip2.Hub.ModelLocator.Resolve(initArgument, progress: new DownloadProgress()) : "";
            group.Barrier();
            if (!main) init = Siglip2.Hub.ModelLocator.Resolve(initArgument);
            if (Path.GetFullPath(init) == Path.GetFullPath(output))
                throw new UsageException("--output must be a new folder, not the --init checkpoint itself");
            options = options with { InitFolder = init };
            RetrievalRecall? before = null;
            double? zeroShotBefore = null;
            if (main && !options.Resume)
            {
                if (evalData is not null)
                {
                    Output.Note($"held-out retrieval of {init} on {evalData} …");
                    before = FineTuneEvaluation.Retrieval(init, evalData, evalLimit);
                }
                if (evalClasses is not null) zeroShotBefore = FineTuneEvaluation.ZeroShot(init, evalClasses);
            }
            group.Barrier();
            int total = (int)Math.Min(options.MaxSteps ?? options.Steps, options.Steps);
            var result = main
                ? TrainCommand.Run(output, total, $"fine-tuning {Path.GetFileName(Path.TrimEndingDirectorySeparator(init))}", progress => FineTuneRun.Execute(options, group, progress, Output.Note))
                : FineTuneRun.Execute(options, group);
            group.Barrier();
            if (!main) return 0;
            Output.Note($"checkpoint in {result.OutputFolder} (step {result.LastStep} of {result.TotalSteps}); {result.ImagesPerSecond:0} images/s"
                + (group.Size > 1 ? $" over {group.Size} processes" : ""));
            RetrievalRecall? afterRetrieval = null;
            double? zeroShotAfter = null;
            if (evalData is not null)
            {
                Output.Note($"held-out retrieval of the fine-tuned model on {evalData} …");
                afterRetrieval = FineTuneEvaluation.Retrieval(output, evalData, evalLimit);
                Console.WriteLine(Table(before, afterRetrieval));
            }
            if (evalClasses is not null)
            {
                zeroShotAfter = FineTuneEvaluation.ZeroShot(output, evalClasses);
                Console.WriteLine($"zero-shot top-1 on {evalClasses}: {(zeroShotBefore is { } zb ? $"{zb:P1} before, " : "")}{zeroShotAfter:P1} after");
            }
            if (evalData is not null || evalClasses is not null)
                WriteEvaluation(Path.Combine(output, EvaluationFileName), init, evalData, before, afterRetrieval, evalClasses, zeroShotBefore, zeroShotAfter);
            return 0;
        }
        catch (Exception e) when (group.Size > 1 && e is not OperationCanceledException)
        {
            group.Abort(1, $"siglip2 train: rank {group.Rank} of {group.Size}: error: {Siglip2.Configuration.MessageText.OneLine(e.Message)}");
            throw; // not reached: Abort ends the process
        }
    }

    private static void WriteEvaluation(string path, string init, string? evalData, RetrievalRecall? before, RetrievalRecall? after,
        string? evalClasses, double? zeroShotBefore, double? zeroShotAfter) =>
        Siglip2.Configuration.AtomicFile.WriteAllText(path, JsonSerializer.Serialize(
            new { init, eval_data = evalData, before, after, eval_classes = evalClasses, zero_shot_before = zeroShotBefore, zero_shot_after = zeroShotAfter },
            new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower }) + "\n");

    private static string Table(RetrievalRecall? before, RetrievalRecall after)
    {
        static string Row(string name, RetrievalRecall r) =>
            $"| {name} | {r.ImageToTextR1:P1} | {r.ImageToTextR5:P1} | {r.TextToImageR1:P1} | {r.TextToImageR5:P1} |";
        var lines = new List<string> { $"held-out retrieval ({after.Images} pairs)", "| model | I→T R@1 | I→T R@5 | T→I R@1 | T→I R@5 |", "|---|---:|---:|---:|---:|" };
        if (before is not null) lines.Add(Row("before", before));
        lines.Add(Row("after", after));
        return string.Join("\n", lines);
    }
}
