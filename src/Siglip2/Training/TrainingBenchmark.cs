using System.Diagnostics;
using Siglip2.Configuration;
using Siglip2.Modeling;
using TorchSharp;

namespace Siglip2.Training;

/// <summary>Training throughput (images/s of full steps: forward, loss, backward, clipping, AdamW) on random batches.</summary>
public static class TrainingBenchmark
{
    /// <summary>
    /// The calibration model: ViT patch 7 on 28×28×3 (16 patches), width 128, depth 4, 2 heads, MLP 512, MAP head;
    /// text width 128, depth 2, 2 heads, MLP 512, 16 positions, vocab 2048.
    /// </summary>
    public static Siglip2Config CalibrationConfig() => new()
    {
        ModelType = Siglip2Config.FixedModelType,
        Vision = new VisionConfig
        {
            ModelType = VisionConfig.FixedModelType, HiddenSize = 128, IntermediateSize = 512, NumHiddenLayers = 4,
            NumAttentionHeads = 2, NumChannels = 3, ImageSize = 28, PatchSize = 7,
        },
        Text = new TextConfig
        {
            ModelType = "siglip_text_model", VocabSize = 2048, HiddenSize = 128, IntermediateSize = 512, NumHiddenLayers = 2,
            NumAttentionHeads = 2, MaxPositionEmbeddings = 16, ProjectionSize = 128,
        },
    };

    public sealed record Result(int BatchSize, int MeasuredSteps, double Seconds, double ImagesPerSecond, IReadOnlyList<double> StepImagesPerSecond);

    /// <summary>Runs <paramref name="warmupSteps"/> untimed steps, then times <paramref name="measuredSteps"/> steps.</summary>
    public static Result Run(Siglip2Config config, int batchSize, int warmupSteps = 3, int measuredSteps = 10, long seed = 0,
        AttentionImplementation attention = AttentionImplementation.Auto)
    {
        var options = new TrainingOptions
        {
            Seed = seed,
            Schedule = new LearningRateSchedule(1e-3, 1, warmupSteps + measuredSteps),
        };
        using var trainer = Trainer.FromScratch(config, options);
        trainer.Model.SetAttentionImplementation(attention);
        var source = new RandomBatchSource(config, batchSize, seed: seed);
        var batches = Enumerable.Range(0, warmupSteps + measuredSteps).Select(s => source.GetBatch(s)).ToList();
        try
        {
            for (int s = 0; s < warmupSteps; s++) trainer.TrainStep(batches[s]);
            var perStep = new List<double>();
            var clock = Stopwatch.StartNew();
            for (int s = warmupSteps; s < warmupSteps + measuredSteps; s++)
                perStep.Add(trainer.TrainStep(batches[s]).ImagesPerSecond);
            clock.Stop();
            double seconds = clock.Elapsed.TotalSeconds;
            return new Result(batchSize, measuredSteps, seconds, (double)batchSize * measuredSteps / seconds, perStep);
        }
        finally
        {
            foreach (var b in batches) b.Dispose();
        }
    }

    /// <summary>One rank's view of a data-parallel benchmark run (rank 0's wall time is the job's: every step ends in collectives).</summary>
    public sealed record DataParallelResult(int Ranks, int Threads, int GlobalBatchSize, int MeasuredSteps, double Seconds, double ImagesPerSecond,
        double PayloadBytesPerStep, double GradientBytesPerStep, double CommunicationSeconds, double CommunicationShare);

    /// <summary>
    /// <paramref name="measuredSteps"/> timed steps of the data-parallel trainer on the rank's slice of random global
    /// batches (<see cref="RingSigmoidLoss"/>, <see cref="MpiGradientSynchronizer"/>), after <paramref name="warmupSteps"/>
    /// untimed ones. Payload bytes and the time inside collectives come from the group's counters (all of this rank's
    /// communication: gradient allreduce, text-embedding exchange, the loss average).
    /// </summary>
    public static DataParallelResult RunDataParallel(Siglip2Config config, int globalBatchSize, Siglip2.Distributed.IProcessGroup group,
        int warmupSteps = 3, int measuredSteps = 10, long seed = 0)
    {
        if (globalBatchSize % group.Size != 0) throw new Siglip2Exception($"the global batch {globalBatchSize} is not a multiple of the {group.Size} ranks");
        var options = new TrainingOptions { Seed = seed, Schedule = new LearningRateSchedule(1e-3, 1, warmupSteps + measuredSteps) };
        var synchronizer = new MpiGradientSynchronizer(group);
        var process = group.Size == 1 ? TrainingProcess.Single : new TrainingProcess
        {
            Rank = group.Rank, WorldSize = group.Size, Gradients = synchronizer, SigmoidLoss = new RingSigmoidLoss(group).Compute,
        };
        using var trainer = Trainer.FromScratch(config, options, process: process);
        var source = new RandomBatchSource(config, globalBatchSize, seed: seed);
        int local = globalBatchSize / group.Size;
        var rows = Enumerable.Range(group.Rank * local, local).Select(i => (long)i).ToList();
        var batches = Enumerable.Range(0, warmupSteps + measuredSteps).Select(s =>
        {
            using var global = source.GetBatch(s);
            return global.Rows(rows);
        }).ToList();
        try
        {
            for (int s = 0; s < warmupSteps; s++) trainer.TrainStep(batches[s]);
            group.Barrier();
            long bytes0 = group.Statistics.PayloadBytes;
            var comm0 = group.Statistics.Elapsed;
            long gradientBytes = 0;
            var clock = Stopwatch.StartNew();
            for (int s = warmupSteps; s < warmupSteps + measuredSteps; s++)
            {
                trainer.TrainStep(batches[s]);
                gradientBytes += synchronizer.LastPayloadBytes;
            }
            group.Barrier();
            clock.Stop();
            double seconds = clock.Elapsed.TotalSeconds, comm = (group.Statistics.Elapsed - comm0).TotalSeconds;
            return new DataParallelResult(group.Size, torch.get_num_threads(), globalBatchSize, measuredSteps, seconds,
                (double)globalBatchSize * measuredSteps / seconds, (double)(group.Statistics.PayloadBytes - bytes0) / measuredSteps,
                group.Size == 1 ? 0 : (double)gradientBytes / measuredSteps, comm, comm / seconds);
        }
        finally
        {
            foreach (var b in batches) b.Dispose();
        }
    }
}
