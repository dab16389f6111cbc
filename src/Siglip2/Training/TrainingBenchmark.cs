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
}
