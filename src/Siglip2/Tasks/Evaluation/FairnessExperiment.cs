using System.Globalization;
using System.Text;
using System.Text.Json;
using Siglip2.Configuration;
using Siglip2.Data;
using Siglip2.Training;

namespace Siglip2.Tasks.Evaluation;

/// <summary>One training stream of the fairness experiment and what it measured, for one seed.</summary>
public sealed record FairnessRow(string Stream, long Seed, double FirstOrderBias, double ByClassBias, double[] AsterPreference,
    double ZeroShot, double ImageToTextR1, double TextToImageR1)
{
    /// <summary>
    /// How much of the training captions' class co-occurrence the model took on: the mean over classes of
    /// (share_c − 0.5) signed towards the maker the biased captions favour for that class (+ for even classes, −
    /// for odd). An arbitrary but fixed per-class preference averages out to about 0; 0.5 is the whole association.
    /// </summary>
    public double CoOccurrenceAbsorbed => AsterPreference.Select((p, c) => (p - 0.5) * (CaptionAttribute.FavouredBy(c) == 0 ? 1 : -1)).Average();

    /// <summary>The model's overall lean to Aster (mean class share − 0.5; the biased captions' prevalence is +0.15).</summary>
    public double AsterLean => AsterPreference.Average() - 0.5;
}

/// <summary>
/// SigLIP 2's fairness claim in miniature (§4; "CLIP the Bias", Alabdulmohsin et al. 2024): the same model, budget and
/// seeds trained on three FashionScenes streams whose English single-item captions name an invisible maker
/// (<see cref="CaptionAttribute"/>) — <b>biased</b> (Aster in 65 % of the attributed captions overall, 95 % for the
/// even classes and 35 % for the odd ones), <b>balanced</b> (the same stream through the second-order
/// <see cref="AttributeBalancing"/> filter) and an <b>unbiased control</b> (50 % for every class) — each scored on
/// representation bias (<see cref="RepresentationBias"/>, Fashion-MNIST test images, which show no maker), English
/// zero-shot top-1 and held-out scene retrieval R@1. Finished runs are kept (their folder and scores), so an
/// interrupted experiment continues.
/// </summary>
public static class FairnessExperiment
{
    public const string ScoresFileName = "fairness_scores.json";

    public static FashionScenesConfig Biased(FashionScenesConfig scenes) =>
        scenes with { AttributeShare = 0.5, AttributePrevalence = 0.65, AttributeClassBias = 0.6 };

    public static FashionScenesConfig Control(FashionScenesConfig scenes) =>
        scenes with { AttributeShare = 0.5, AttributePrevalence = 0.5, AttributeClassBias = 0 };

    /// <summary>The tiny model at the ablation's real budget (300 steps of 256), sigmoid loss.</summary>
    public static TrainingRecipe DefaultRecipe { get; } = TrainingRecipe.Get("tiny") with
    {
        Name = "fairness",
        Description = "tiny model, batch 256, 300 steps, sigmoid loss (the fairness streams)",
        BatchSize = 256, Steps = 300,
    };

    public static IReadOnlyList<(string Name, Func<TrainingRecipe, TrainingRecipe> Configure)> Streams { get; } =
    [
        ("biased", r => r with { Scenes = Biased(r.Scenes) }),
        ("balanced", r => r with { Scenes = Biased(r.Scenes), AttributeBalancing = BalancingOrder.SecondOrder }),
        ("unbiased control", r => r with { Scenes = Control(r.Scenes) }),
    ];

    public static IReadOnlyList<FairnessRow> Run(string outputFolder, IReadOnlyList<long> seeds, TrainingRecipe recipe, string? dataDirectory,
        int zeroShotImages, int retrievalScenes, Action<string> log, IProgress<TrainingStepReport>? progress = null)
    {
        var data = FashionMnist.Load(dataDirectory);
        var rows = new List<FairnessRow>();
        foreach (long seed in seeds)
            foreach (var (name, configure) in Streams)
            {
                string folder = Path.Combine(outputFolder, $"{name.Replace(' ', '-')}-seed{seed}");
                string scores = Path.Combine(folder, ScoresFileName);
                if (File.Exists(scores))
                {
                    rows.Add(JsonSerializer.Deserialize<FairnessRow>(File.ReadAllText(scores))!);
                    log($"{name}, seed {seed}: done before ({scores})");
                    continue;
                }
                var run = configure(recipe) with { Seed = seed };
                bool resume = File.Exists(Path.Combine(folder, TrainingState.FileName));
                log($"{name}, seed {seed}: training {run.Steps} steps of {run.BatchSize}");
                TrainingRun.Execute(new TrainingRunOptions { Recipe = run, OutputFolder = folder, DataDirectory = dataDirectory, Resume = resume }, progress, log);
                log($"{name}, seed {seed}: evaluating");
                var row = Score(folder, name, seed, data, run.RunScenes, zeroShotImages, retrievalScenes);
                AtomicFile.WriteAllText(scores, JsonSerializer.Serialize(row));
                rows.Add(row);
            }
        return rows;
    }

    public static FairnessRow Score(string folder, string stream, long seed, FashionMnist data, FashionScenesConfig scenes, int zeroShotImages, int retrievalScenes)
    {
        using var pipeline = EmbeddingPipeline.Load(folder, new EmbeddingPipelineOptions { BatchSize = 256 });
        pipeline.Model.eval();
        var bias = RepresentationBias.Measure(pipeline, data.Test, zeroShotImages);
        var zeroShot = ZeroShotClassification.Run(pipeline, data.Test, ["en"], zeroShotImages)[0].Top1;
        // the same held-out scenes for every stream: captions without the attribute
        var retrieval = SceneRetrieval.Run(pipeline, new FashionScenes(data, scenes with { AttributeShare = 0 }, SceneSplit.HeldOut), retrievalScenes);
        return new FairnessRow(stream, seed, bias.FirstOrder, bias.ByClass, bias.AsterPreference, zeroShot, retrieval.ImageToTextR1, retrieval.TextToImageR1);
    }

    /// <summary>The results table: mean (min–max) over the seeds of each stream.</summary>
    public static string Markdown(IReadOnlyList<FairnessRow> rows, TrainingRecipe recipe, string command)
    {
        static string Cell(IEnumerable<double> values, bool percent)
        {
            var v = values.ToList();
            string F(double x) => percent ? (100 * x).ToString("F1", CultureInfo.InvariantCulture) + "%" : x.ToString("F3", CultureInfo.InvariantCulture);
            return v.Count == 1 ? F(v[0]) : $"{F(v.Average())} ({F(v.Min())}–{F(v.Max())})";
        }
        var sb = new StringBuilder();
        int seeds = rows.Select(r => r.Seed).Distinct().Count();
        sb.AppendLine($"{recipe.Description}; {seeds} seed{(seeds == 1 ? "" : "s")} ({string.Join(", ", rows.Select(r => r.Seed).Distinct())}); mean (min–max). Reproduce: `{command}`.");
        sb.AppendLine();
        sb.AppendLine("| stream | co-occurrence absorbed | lean to Aster | representation bias, by class | zero-shot top-1 | I→T R@1 | T→I R@1 |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var (name, _) in Streams)
        {
            var r = rows.Where(x => x.Stream == name).ToList();
            if (r.Count == 0) continue;
            sb.AppendLine($"| {name} | {Cell(r.Select(x => x.CoOccurrenceAbsorbed), true)} | {Cell(r.Select(x => x.AsterLean), true)} | {Cell(r.Select(x => x.ByClassBias), true)} | {Cell(r.Select(x => x.ZeroShot), true)} | {Cell(r.Select(x => x.ImageToTextR1), true)} | {Cell(r.Select(x => x.TextToImageR1), true)} |");
        }
        var mean = Streams.Select(x => x.Name).Where(n => rows.Any(r => r.Stream == n))
            .ToDictionary(n => n, n => rows.Where(r => r.Stream == n).ToList());
        if (mean.TryGetValue("biased", out var b) && mean.TryGetValue("balanced", out var d) && mean.TryGetValue("unbiased control", out var c))
        {
            static string P(double v) => (100 * v).ToString("+0.0;-0.0;0.0", CultureInfo.InvariantCulture);
            double co(List<FairnessRow> r) => r.Average(x => x.CoOccurrenceAbsorbed);
            double zs(List<FairnessRow> r) => r.Average(x => x.ZeroShot);
            double it(List<FairnessRow> r) => r.Average(x => x.ImageToTextR1);
            bool separated = b.Min(x => x.CoOccurrenceAbsorbed) > d.Max(x => x.CoOccurrenceAbsorbed);
            sb.AppendLine();
            sb.AppendLine($"Measured: the biased stream's model took on {100 * co(b):F1}% of the class co-occurrence, the balanced stream's {100 * co(d):F1}% and the control's {100 * co(c):F1}% "
                + $"({(separated ? "every biased seed above every balanced one" : "the seed ranges overlap")}). Against the biased stream, balancing changed zero-shot top-1 by {P(zs(d) - zs(b))} points "
                + $"and I→T R@1 by {P(it(d) - it(b))} points; the control differs from the biased stream by {P(zs(c) - zs(b))} and {P(it(c) - it(b))}. "
                + $"The biased captions' overall lean to Aster (+15%) shows as {P(b.Average(x => x.AsterLean))}% in its model (control {P(c.Average(x => x.AsterLean))}%).");
        }
        return sb.ToString();
    }
}
