using Siglip2.Data;
using Siglip2.Processing.Text;
using Siglip2.Training;

namespace Siglip2.Tasks.Evaluation;

/// <summary>
/// How the ablation scores a checkpoint folder: zero-shot Fashion-MNIST (English prompts), held-out scene retrieval
/// R@1, referring-expression accuracy (when the folder has a LocCa decoder), the dense linear-probe mIoU and the depth
/// linear probe (RMSE, δ1).
/// </summary>
public static class AblationEvaluation
{
    public sealed record Measured(double ZeroShot, double ImageToText, double TextToImage, double Referring, double MeanIou, double DepthRmse, double DepthDelta1);

    /// <summary>Every metric of one checkpoint folder (the referring accuracy only when it has a LocCa decoder).</summary>
    public static Measured Evaluate(string folder, FashionMnist data, FashionScenesConfig scenesConfig, AblationOptions o, long seed, Action<string> log, string what)
    {
        log($"{what}: evaluating …");
        var heldOut = new FashionScenes(data, scenesConfig, SceneSplit.HeldOut);
        using var pipeline = EmbeddingPipeline.Load(folder, new EmbeddingPipelineOptions { BatchSize = 256 });
        pipeline.Model.eval();
        var zeroShot = ZeroShotClassification.Run(pipeline, data.Test, ["en"], o.ZeroShotImages);
        var retrieval = SceneRetrieval.Run(pipeline, heldOut, o.RetrievalScenes);
        double referring = double.NaN;
        if (TrainingCheckpoint.LoadDecoder(folder, pipeline.Model.Config) is { } loaded)
        {
            using var decoder = loaded.Decoder;
            var builder = new LoccaSequences(pipeline.TextProcessor, loaded.Objectives.LoccaLength);
            referring = ReferringExpressionEvaluation.Run(pipeline.Model, decoder, builder, pipeline.ImageProcessor, heldOut, o.ReferringScenes).Accuracy;
        }
        // the probe uses scenes of another held-out stream than the retrieval ones
        var probeScenes = new FashionScenes(data, scenesConfig with { Seed = seed + 1 }, SceneSplit.HeldOut);
        var dense = DenseFeatureProbe.Run(pipeline.Model, pipeline.ImageProcessor, probeScenes, o.ProbeTrainScenes, o.ProbeTestScenes, seed: seed);
        var depth = Depth(pipeline, data, scenesConfig, o, seed);
        return new Measured(zeroShot[0].Top1, retrieval.ImageToTextR1, retrieval.TextToImageR1, referring, dense.MeanIou, depth.Rmse, depth.Delta1);
    }

    /// <summary>
    /// The depth probe alone, for a cached row measured before it existed: the checkpoint is scored, not retrained.
    /// </summary>
    public static DepthProbeResult EvaluateDepth(string folder, FashionMnist data, FashionScenesConfig scenesConfig, AblationOptions o, long seed, Action<string> log, string what)
    {
        log($"{what}: the cached row has no depth probe; evaluating it on the row's checkpoint …");
        using var pipeline = EmbeddingPipeline.Load(folder, new EmbeddingPipelineOptions { BatchSize = 256 });
        pipeline.Model.eval();
        return Depth(pipeline, data, scenesConfig, o, seed);
    }

    /// <summary>The depth probe with the segmentation probe's sizes, on a third held-out stream (seed + 2, as `eval --dense`).</summary>
    private static DepthProbeResult Depth(EmbeddingPipeline pipeline, FashionMnist data, FashionScenesConfig scenesConfig, AblationOptions o, long seed) =>
        DepthProbe.OnScenes(pipeline.Model, pipeline.ImageProcessor, new FashionScenes(data, scenesConfig with { Seed = seed + 2 }, SceneSplit.HeldOut),
            o.ProbeTrainScenes, o.ProbeTestScenes);

    /// <summary>The teacher's scores: zero-shot and retrieval (it has no decoder).</summary>
    public static (double ZeroShot, double ImageToText, double TextToImage) EvaluateTeacher(string folder, FashionMnist data, FashionScenesConfig scenesConfig, AblationOptions o)
    {
        var heldOut = new FashionScenes(data, scenesConfig, SceneSplit.HeldOut);
        using var pipeline = EmbeddingPipeline.Load(folder, new EmbeddingPipelineOptions { BatchSize = 256 });
        var zeroShot = ZeroShotClassification.Run(pipeline, data.Test, ["en"], o.ZeroShotImages);
        var retrieval = SceneRetrieval.Run(pipeline, heldOut, o.RetrievalScenes);
        return (zeroShot[0].Top1, retrieval.ImageToTextR1, retrieval.TextToImageR1);
    }
}
