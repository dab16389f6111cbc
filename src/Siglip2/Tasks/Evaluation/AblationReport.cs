using System.Globalization;
using System.Text;
using Siglip2.Training;

namespace Siglip2.Tasks.Evaluation;

/// <summary>The ablation's result rendered: the markdown of docs/results.md and the per-seed CSV.</summary>
public static class AblationReport
{
    private const string AcidRowName = AblationStudy.AcidRowName;
    private const string ControlRowName = AblationStudy.ControlRowName;

    /// <summary>The result as markdown: settings, the table of means with min–max ranges over seeds, and the per-seed table.</summary>
    public static string ToMarkdown(AblationResult result, AblationOptions o)
    {
        var r = o.Recipe;
        var seeds = string.Join(", ", o.Seeds);
        var sb = new StringBuilder();
        sb.AppendLine($"Recipe `{r.Name}`: ViT p{r.PatchSize} w{r.VisionWidth} d{r.VisionDepth} at {r.ImageSize}×{r.ImageSize}, text w{r.TextWidth} d{r.TextDepth}, " +
                      $"batch {r.BatchSize}, {r.Steps} steps, lr {Num(r.LearningRate)}; seeds {seeds} (a seed sets initialisation, data order, tokenizer corpus, " +
                      $"augmentations and the held-out scenes; within a seed every row has the same data order, initialisation and step count). " +
                      $"Zero-shot: first {o.ZeroShotImages} Fashion-MNIST test images, English prompts; retrieval: {o.RetrievalScenes} held-out scenes; " +
                      $"referring: every expression of {o.ReferringScenes} held-out scenes (IoU ≥ 0.5); segmentation: linear probe on frozen patch features, " +
                      $"{o.ProbeTrainScenes} train / {o.ProbeTestScenes} test held-out scenes, mIoU over background + 10 classes; depth: linear (ridge) probe on the " +
                      $"same features to each patch's mean scene depth (SceneDepth), {o.ProbeTrainScenes} train / {o.ProbeTestScenes} test scenes of another " +
                      $"held-out stream, RMSE in metres (lower is better) and δ1 (share of patches within a factor 1.25).");
        sb.AppendLine();
        if (o.Acid)
        {
            int super = LearnabilitySelection.SuperBatchSize(r.BatchSize, o.AcidKeep);
            sb.AppendLine($"**{AcidRowName}**: the SigLIP 2 row's checkpoint continued for {o.AcidStepCount} steps × {r.BatchSize} with the sigmoid loss only, " +
                          $"constant lr {Num(o.AcidLearningRate)}, no weight decay; each step scores a super-batch of {super} fresh training scenes with the learner " +
                          $"and the teacher (each on its own tokenizer and image size) and trains on the {r.BatchSize} with the largest learner − teacher " +
                          $"per-example sigmoid loss (keep {KeepText(o.AcidKeep)}). **{ControlRowName}** (control): the same continuation on the first {r.BatchSize} " +
                          $"scenes of each super-batch, without scoring — the same extra steps and data pool, so the difference between the two rows is the " +
                          $"curation. Teacher: {result.TeacherDescription}" +
                          (result.Teacher is { } t ? $"; it scores zero-shot {Pct(t.ZeroShotEnglish)}, I→T R@1 {Pct(t.ImageToTextR1)}, T→I R@1 {Pct(t.TextToImageR1)} " +
                                                     $"(seed {t.Seed}'s held-out scenes){(double.IsNaN(t.TrainSeconds) ? "" : $", trained in {t.TrainSeconds:0} s")}." : "."));
            sb.AppendLine();
        }
        var summary = AblationSummary.Aggregate(result.Rows);
        bool several = o.Seeds.Count > 1;
        sb.AppendLine(several
            ? $"Each cell: mean over the {o.Seeds.Count} seeds, (min–max) over the seeds in brackets. Train time: mean wall time of the row's own training (continuations: their extra stage only)."
            : "Train time: wall time of the row's own training (continuations: their extra stage only).");
        sb.AppendLine();
        sb.AppendLine("| row | objectives | zero-shot (en) | I→T R@1 | T→I R@1 | referring acc. | seg. mIoU | depth RMSE (m) | depth δ1 | train time |");
        sb.AppendLine("|---|---|---|---|---|---|---|---|---|---|");
        foreach (var x in summary)
        {
            bool continued = x.Name is AcidRowName or ControlRowName;
            string time = x.TrainSeconds.Count == 0 ? "—" : $"{(continued ? "+" : "")}{x.TrainSeconds.Mean:0} s";
            sb.AppendLine($"| {x.Name} | {x.Objectives} | {x.ZeroShotEnglish.Percent()} | {x.ImageToTextR1.Percent()} | {x.TextToImageR1.Percent()} | " +
                          $"{x.ReferringAccuracy.Percent()} | {x.SegmentationMeanIou.Percent()} | {x.DepthRmse.Value("0.000")} | {x.DepthDelta1.Percent()} | {time} |");
        }
        if (several)
        {
            sb.AppendLine();
            sb.AppendLine("Per seed (also in `ablation_seeds.csv`):");
            sb.AppendLine();
            sb.AppendLine("| row | seed | zero-shot (en) | I→T R@1 | T→I R@1 | referring acc. | seg. mIoU | depth RMSE (m) | depth δ1 | final sigmoid loss | train time |");
            sb.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|");
            foreach (var x in result.Rows.OrderBy(x => summary.Select(s => s.Name).ToList().IndexOf(x.Name)).ThenBy(x => x.Seed))
                sb.AppendLine($"| {x.Name} | {x.Seed} | {Pct(x.ZeroShotEnglish)} | {Pct(x.ImageToTextR1)} | {Pct(x.TextToImageR1)} | {Pct(x.ReferringAccuracy)} | " +
                              $"{Pct(x.SegmentationMeanIou)} | {Num3(x.DepthRmse)} | {Pct(x.DepthDelta1)} | {x.FinalSigmoidLoss.ToString("0.000", CultureInfo.InvariantCulture)} | {x.TrainSeconds:0} s |");
        }
        return sb.ToString();
    }

    /// <summary>Every per-seed row (and the teacher) as CSV, fractions in [0, 1], empty where not measured.</summary>
    public static string ToCsv(AblationResult result)
    {
        var sb = new StringBuilder("row,seed,zero_shot_en,i2t_r1,t2i_r1,referring_accuracy,segmentation_miou,depth_rmse,depth_delta1,final_sigmoid_loss,train_seconds\n");
        var all = result.Teacher is null ? result.Rows : result.Rows.Append(result.Teacher).ToList();
        foreach (var x in all)
            sb.AppendLine(string.Join(",", new[] { Csv(x.Name), x.Seed.ToString(CultureInfo.InvariantCulture) }.Concat(
                new[] { x.ZeroShotEnglish, x.ImageToTextR1, x.TextToImageR1, x.ReferringAccuracy, x.SegmentationMeanIou, x.DepthRmse, x.DepthDelta1, x.FinalSigmoidLoss, x.TrainSeconds }
                    .Select(v => double.IsNaN(v) ? "" : v.ToString("G6", CultureInfo.InvariantCulture)))));
        return sb.ToString();
    }

    private static string Csv(string s) => s.Contains(',') || s.Contains('"') ? "\"" + s.Replace("\"", "\"\"") + "\"" : s;

    public static string Pct(double v) => double.IsNaN(v) ? "—" : (100 * v).ToString("0.0", CultureInfo.InvariantCulture) + "%";

    private static string Num3(double v) => double.IsNaN(v) ? "—" : v.ToString("0.000", CultureInfo.InvariantCulture);

    internal static string Num(double v) => v.ToString("G", CultureInfo.InvariantCulture);

    internal static string KeepText(double keep) => keep switch { 0.5 => "½", 0.25 => "¼", 1.0 => "all", _ => Num(keep) };
}
