using System.Globalization;
using System.Text;
using Siglip2.Configuration;
using Siglip2.Data;
using Siglip2.Processing.Images;
using TorchSharp;
using static TorchSharp.torch;

namespace Siglip2.Tasks.Evaluation;

/// <summary>Settings of <see cref="AspectRatioEvaluation"/>.</summary>
public sealed record AspectEvaluationOptions
{
    /// <summary>A scene is extreme when long side / short side ≥ this.</summary>
    public double MinAspect { get; init; } = 3.0;
    /// <summary>Null: the model's own scene distribution; else a dedicated set with canvases up to this ratio.</summary>
    public double? MaxAspect { get; init; }
    /// <summary>Control group: tinted scenes at most this ratio.</summary>
    public double SquareAspect { get; init; } = 1.5;
    /// <summary>Scenes per group (retrieval pool); zero-shot uses the single-item scenes among them.</summary>
    public int Scenes { get; init; } = 1000;
    /// <summary>NaFlex checkpoints are evaluated at each of these max_num_patches (null: the checkpoint's own).</summary>
    public IReadOnlyList<int>? PatchBudgets { get; init; }
}

/// <summary>One checkpoint at one sequence length on the extreme-aspect and near-square groups.</summary>
public sealed record AspectEvaluationRow(string Model, string Layout, int? MaxNumPatches,
    double ExtremeZeroShot, double ExtremeImageToTextR1, double ExtremeTextToImageR1, double ExtremePatches,
    double SquareZeroShot, double SquareImageToTextR1, double SquareTextToImageR1, double SquarePatches);

public sealed record AspectEvaluationReport(double MinAspect, double MaxAspectSeen, double SquareAspect, int ExtremeScenes, int ExtremeSingleItem,
    int SquareScenes, int SquareSingleItem, IReadOnlyList<AspectEvaluationRow> Rows)
{
    public string ToMarkdown()
    {
        var sb = new StringBuilder();
        sb.AppendLine($"Extreme: {ExtremeScenes} held-out scenes with aspect ratio ≥ {MinAspect.ToString("0.##", CultureInfo.InvariantCulture)}:1 (up to {MaxAspectSeen.ToString("0.##", CultureInfo.InvariantCulture)}:1), zero-shot on their {ExtremeSingleItem} single-item scenes. " +
            $"Control: {SquareScenes} tinted scenes ≤ {SquareAspect.ToString("0.##", CultureInfo.InvariantCulture)}:1 ({SquareSingleItem} single-item). Zero-shot: 10 classes, English single-item captions averaged over the 10 colours; R@1 over the group's scenes.");
        sb.AppendLine();
        sb.AppendLine("| model | image tower | extreme zero-shot | extreme I→T R@1 | extreme T→I R@1 | patches used | square zero-shot | square I→T R@1 | square T→I R@1 |");
        sb.AppendLine("|---|---|---|---|---|---|---|---|---|");
        foreach (var r in Rows)
            sb.AppendLine($"| {r.Model} | {r.Layout} | {Pct(r.ExtremeZeroShot)} | {Pct(r.ExtremeImageToTextR1)} | {Pct(r.ExtremeTextToImageR1)} | {r.ExtremePatches.ToString("0.0", CultureInfo.InvariantCulture)} | {Pct(r.SquareZeroShot)} | {Pct(r.SquareImageToTextR1)} | {Pct(r.SquareTextToImageR1)} |");
        return sb.ToString();
    }

    private static string Pct(double v) => (100 * v).ToString("0.0", CultureInfo.InvariantCulture) + "%";
}

/// <summary>
/// NaFlex vs fixed resolution on scenes with extreme aspect ratios (SigLIP 2 §2.4.2, §3: NaFlex keeps the aspect
/// ratio, a fixed-resolution model squashes a strip into a square). For each checkpoint (and, for NaFlex, each
/// patch budget): zero-shot classification of the single-item scenes of the extreme group (English captions of the
/// class in every colour, <see cref="ZeroShotClassification.TintedClassEmbeddings"/>) and image↔text R@1 among the group's scenes (as
/// <see cref="SceneRetrieval"/>), next to the same numbers on a near-square control group, and the mean number of real
/// patches the image tower saw.
/// </summary>
public static class AspectRatioEvaluation
{
    public static AspectEvaluationReport Run(IReadOnlyList<(string Label, EmbeddingPipeline Pipeline)> models, FashionMnist data,
        FashionScenesConfig scenes, AspectEvaluationOptions options, IProgress<string>? progress = null)
    {
        if (models.Count == 0) throw new Siglip2Exception("no checkpoint to evaluate");
        var extremeConfig = AspectRatioScenes.ExtremeConfig(scenes, options.MinAspect, options.MaxAspect);
        var extreme = AspectRatioScenes.Extreme(new FashionScenes(data, extremeConfig, SceneSplit.HeldOut), options.MinAspect, options.Scenes);
        var square = AspectRatioScenes.NearSquare(new FashionScenes(data, scenes, SceneSplit.HeldOut), options.SquareAspect, options.Scenes);
        var rows = new List<AspectEvaluationRow>();
        foreach (var (label, pipeline) in models)
        {
            var config = PreprocessorConfig.Load(Path.Combine(pipeline.Folder, "preprocessor_config.json"));
            bool naflex = pipeline.Model.Config.IsNaflex;
            var budgets = naflex && options.PatchBudgets is { Count: > 0 } b ? b.Select(x => (int?)x).ToList() : [naflex ? config.MaxNumPatches : null];
            foreach (var budget in budgets)
            {
                var processor = budget is { } n ? ImageProcessorFactory.Create(config with { MaxNumPatches = n }) : pipeline.ImageProcessor;
                string layout = naflex ? $"NaFlex, ≤ {budget} patches" : $"fixed {config.Height}×{config.Width}";
                progress?.Report($"{label}: {layout}");
                var (ez, ei, et, ep) = Group(pipeline, processor, extreme);
                var (sz, si, st, sp) = Group(pipeline, processor, square);
                rows.Add(new AspectEvaluationRow(label, layout, budget, ez, ei, et, ep, sz, si, st, sp));
            }
        }
        return new AspectEvaluationReport(options.MinAspect, extreme.Max(AspectRatioScenes.AspectRatio), options.SquareAspect,
            extreme.Count, extreme.Count(IsSingleItem), square.Count, square.Count(IsSingleItem), rows);
    }

    private static bool IsSingleItem(Scene s) => s.Items.Count == 1;

    /// <summary>(zero-shot top-1 on the single-item scenes, I→T R@1, T→I R@1, mean real patches) of one group.</summary>
    private static (double ZeroShot, double ImageToText, double TextToImage, double Patches) Group(EmbeddingPipeline pipeline, IImageProcessor processor, IReadOnlyList<Scene> scenes)
    {
        using var scope = NewDisposeScope();
        var (images, patches) = EmbedScenes(pipeline, processor, scenes);
        var texts = pipeline.EmbedTexts(pipeline.TextProcessor.Process(scenes.Select(s => s.Caption).ToList()));
        var sim = torch.matmul(images, texts.t());
        var (i2t, _) = SceneRetrieval.Recall(sim);
        var (t2i, _) = SceneRetrieval.Recall(sim.t());
        var single = Enumerable.Range(0, scenes.Count).Where(i => IsSingleItem(scenes[i])).ToArray();
        double zeroShot = double.NaN;
        if (single.Length > 0)
        {
            var classes = ZeroShotClassification.TintedClassEmbeddings(pipeline, CaptionLanguages.English);
            var predicted = torch.matmul(images.index_select(0, torch.tensor(single.Select(i => (long)i).ToArray())), classes.t()).argmax(1).data<long>().ToArray();
            zeroShot = (double)single.Where((sceneIndex, k) => predicted[k] == scenes[sceneIndex].Items[0].ClassId).Count() / single.Length;
        }
        return (zeroShot, i2t, t2i, patches);
    }

    /// <summary>(N, D) image embeddings of the scenes through <paramref name="processor"/>, and the mean number of real patches per image.</summary>
    public static (Tensor Embeddings, double MeanPatches) EmbedScenes(EmbeddingPipeline pipeline, IImageProcessor processor, IReadOnlyList<Scene> scenes)
    {
        const int chunk = 128;
        var parts = new List<Tensor>();
        double patches = 0;
        for (int start = 0; start < scenes.Count; start += chunk)
        {
            var batch = processor.Preprocess(scenes.Skip(start).Take(chunk).Select(s => new RgbImage(s.Width, s.Height, s.Rgb)).ToList());
            patches += batch.IsNaFlex ? batch.PixelAttentionMask!.Sum(v => (double)v) : (double)Math.Min(chunk, scenes.Count - start) * FixedPatches(pipeline);
            parts.Add(pipeline.EmbedImages(batch));
        }
        var all = torch.cat(parts, 0);
        foreach (var p in parts) p.Dispose();
        return (all, patches / scenes.Count);
    }

    private static int FixedPatches(EmbeddingPipeline pipeline)
    {
        var v = pipeline.Model.Config.Vision!;
        return (v.ImageSize / v.PatchSize) * (v.ImageSize / v.PatchSize);
    }
}
