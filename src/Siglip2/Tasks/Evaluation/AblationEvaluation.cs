using Siglip2.Data;
using Siglip2.Processing.Text;
using Siglip2.Training;

namespace Siglip2.Tasks.Evaluation;

/// <summary>
/// How the ablation scores a checkpoint folder: zero-shot Fashion-MNIST (English prompts), held-out scene retrieval
/// R@1, referring-expression accuracy (when the folder has a LocCa decoder) and the dense linear-probe mIoU.
/// </summary>
public static class AblationEvaluation
{
    public sealed record Measured(double ZeroShot, double ImageToText, double TextToImage, double Referring, double MeanIou);

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
        return new Measured(zeroShot[0].Top1, retrieval.ImageToTextR1, retrieval.TextToImageR1, referring, dense.MeanIou);
    }

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
