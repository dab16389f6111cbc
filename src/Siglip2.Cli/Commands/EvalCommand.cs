using Siglip2.Configuration;
using System.Text.Json;
using Siglip2.Cli.Infrastructure;
using Siglip2.Data;
using Siglip2.Tasks;
using Siglip2.Tasks.Evaluation;
using Siglip2.Training;

namespace Siglip2.Cli.Commands;

/// <summary>`siglip2 eval`: zero-shot classification in every caption language and held-out retrieval.</summary>
public sealed class EvalCommand : ICommand
{
    public string Name => "eval";
    public string Summary => "evaluate a FashionScenes checkpoint (zero-shot in every language, retrieval R@1/R@5), or any checkpoint on class folders / Karpathy / XM3600";
    public string Usage => """
        usage: siglip2 eval --model DIR [--data DIR] [--languages en,de,...] [--limit N] [--scenes N] [--output FILE.json] [--json]
                            [--referring N] [--dense [--occlusion F]] [--max-patches N]
               siglip2 eval --model DIR --probe-data DIR [--json]   (dense probes on your images: depth from
                            NAME.depth.png, 16-bit millimetres, 0 = unknown; segmentation from NAME.label.png,
                            8-bit class ids, 255 = ignore; --depth-data is the same)
               siglip2 eval --model DIR --int8-gate [--limit N] [--results FILE.md]   (int8 vs fp32: cosine and
                            zero-shot change, the accuracy gate of docs/onnx.md; a section of FILE, default docs/onnx.md)

          --model DIR       a checkpoint trained by `siglip2 train` (or any SigLIP checkpoint with its tokenizer)
          --data DIR        the four Fashion-MNIST IDX files (default: Debian's dataset-fashion-mnist)
          --languages LIST  caption languages for zero-shot (default: all ten)
          --limit N         use the first N of the 10,000 test images (default: all)
          --scenes N        held-out scenes for retrieval (default 1000)
          --output FILE     where to write the JSON report (default DIR/eval.json; a markdown table goes beside it)
          --json            print the JSON report instead of the table
          --referring N     also decode boxes for the referring expressions of N held-out scenes with the
                            checkpoint's LocCa decoder (locca_decoder.safetensors; IoU ≥ 0.5 accuracy)
          --dense           also train linear probes on frozen patch features (300 / 200 held-out scenes):
                            segmentation mIoU and depth RMSE / δ1 (fixed-resolution checkpoints; docs/evaluation.md)
          --occlusion F     the depth probe's scenes: this share of multi-item scenes has overlapping items
                            (FashionScenesConfig.OcclusionShare, 0..1; default 0, items never overlap)
          --max-patches N   NaFlex checkpoints: evaluate at this max_num_patches instead of the one in
                            preprocessor_config.json (one checkpoint serves every sequence length)

        """ + StandardEvalCommand.Usage;

    public int Run(IReadOnlyList<string> args)
    {
        if (StandardEvalCommand.Selected(args)) return StandardEvalCommand.Run(args);
        if (args.Contains("--int8-gate")) return Int8Gate(args);
        if (args.Contains("--depth-data") || args.Contains("--probe-data")) return DepthOnFolder(args);
        var a = ParsedArguments.Parse(args, ["--model", "--data", "--languages", "--limit", "--scenes", "--output", "--batch-size", "--referring", "--max-patches", "--occlusion"], ["--json", "--dense"]);
        string model = ModelOptions.ResolveFolder(a);
        if (!Directory.Exists(model)) throw new Siglip2Exception($"model folder not found: {model}");
        var languages = (a.Optional("--languages") ?? string.Join(",", CaptionLanguages.Codes)).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var l in languages) CaptionLanguages.Get(l);
        int? limit = a.Optional("--limit") is null ? null : a.Int("--limit", 10000, 1, 10000);
        int scenes = a.Int("--scenes", 1000, 2, 10000);
        // beside a local checkpoint; for a Hub id in the current folder (the cache's snapshots are not for writing)
        string output = a.Optional("--output") ?? (Directory.Exists(a.Required("--model", "")) ? Path.Combine(model, "eval.json") : "eval.json");
        int? maxPatches = a.Optional("--max-patches") is null ? null : a.Int("--max-patches", 256, 1, 65536);
        double occlusion = a.Double("--occlusion") ?? 0;
        if (!(occlusion >= 0 && occlusion <= 1)) throw new UsageException($"--occlusion must be a share between 0 and 1, got {occlusion.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
        if (a.Optional("--occlusion") is not null && !a.Flag("--dense")) throw new UsageException("--occlusion sets the depth probe's scenes; give it with --dense");
        var report = Evaluate(model, a.Optional("--data"), languages, limit, scenes, a.Int("--batch-size", 256, 1, 4096), maxPatches);
        Write(report, output);
        if (a.Flag("--json")) Output.WriteJson(report);
        else Console.WriteLine(report.ToMarkdown());
        Output.Note($"wrote {output}, {Path.ChangeExtension(output, ".md")} and {Path.ChangeExtension(output, ".png")}");
        if (a.Optional("--referring") is not null || a.Flag("--dense"))
            Console.WriteLine(EvaluateRecipeTasks(model, a.Optional("--data"), a.Optional("--referring") is null ? 0 : a.Int("--referring", 150, 1, 10000), a.Flag("--dense"), occlusion));
        return 0;
    }

    private static int Int8Gate(IReadOnlyList<string> args)
    {
        var a = ParsedArguments.Parse(args, ["--model", "--data", "--limit", "--results"], ["--int8-gate"]);
        string model = ModelOptions.ResolveFolder(a);
        string fixtures = Path.Combine(RepositoryPaths.Root, "tests", "fixtures", "preprocess");
        var photos = Directory.Exists(fixtures) ? Directory.EnumerateFiles(fixtures).Where(f => f.EndsWith(".jpg", StringComparison.Ordinal) || f.EndsWith(".jpeg", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList() : [];
        var r = Int8AccuracyGate.Run(model, a.Optional("--data"), a.Int("--limit", 10000, 10, 10000), photos, Output.Note);
        string command = "./siglip2 eval " + string.Join(" ", args);
        string section = Int8AccuracyGate.Markdown(r, command);
        Console.WriteLine(section);
        string results = a.Optional("--results") ?? Path.Combine(RepositoryPaths.Root, "docs", "onnx.md");
        MarkdownSections.ReplaceMarked(results, "int8-gate", "## int8 accuracy gate on a trained checkpoint\n\n" + section);
        Output.Note($"wrote the int8-gate section of {results}");
        return r.Passed ? 0 : 1;
    }

    public static FashionEvaluationReport Evaluate(string model, string? dataDir, IReadOnlyList<string> languages, int? limit, int scenes, int batchSize = 256,
        int? maxNumPatches = null)
    {
        var data = FashionMnist.Load(dataDir);
        using var pipeline = EmbeddingPipeline.Load(model, new EmbeddingPipelineOptions { BatchSize = batchSize, MaxNumPatches = maxNumPatches });
        var scenesConfig = ReadScenesConfig(model);
        int total = Math.Min(limit ?? data.Test.Count, data.Test.Count);
        using var bar = new ProgressReporter("zero-shot", total, "images");
        return FashionEvaluation.Run(pipeline, data, languages, limit, scenes, scenesConfig, bar);
    }

    /// <summary>Referring-expression accuracy (LocCa decoder) and the dense linear probe, as markdown lines; <paramref name="occlusion"/>: the depth probe scenes' <see cref="FashionScenesConfig.OcclusionShare"/>.</summary>
    public static string EvaluateRecipeTasks(string model, string? dataDir, int referringScenes, bool dense, double occlusion = 0)
    {
        var data = FashionMnist.Load(dataDir);
        var scenes = ReadScenesConfig(model);
        using var siglip = Siglip2.Checkpoints.CheckpointLoader.Load(model);
        siglip.eval();
        var text = Siglip2.Processing.Text.SiglipTextProcessor.FromFolder(model);
        var images = Siglip2.Processing.Images.ImageProcessorFactory.Create(Siglip2.Configuration.PreprocessorConfig.Load(Path.Combine(model, "preprocessor_config.json")));
        var lines = new List<string>();
        if (referringScenes > 0)
        {
            var loaded = TrainingCheckpoint.LoadDecoder(model, siglip.Config)
                ?? throw new Siglip2Exception($"{model} has no LocCa decoder ({TrainingCheckpoint.DecoderFileName}); train with --objectives locca or siglip2");
            using var decoder = loaded.Decoder;
            var builder = new Siglip2.Processing.Text.LoccaSequences(text, loaded.Objectives.LoccaLength);
            var r = ReferringExpressionEvaluation.Run(siglip, decoder, builder, images, new FashionScenes(data, scenes, SceneSplit.HeldOut), referringScenes);
            lines.Add($"referring expressions: {r.Expressions} of {referringScenes} held-out scenes, accuracy (IoU ≥ 0.5) {100 * r.Accuracy:0.0}%, decoded as a box {100 * r.Parsed:0.0}%");
        }
        if (dense)
        {
            var d = DenseFeatureProbe.Run(siglip, images, new FashionScenes(data, scenes with { Seed = scenes.Seed + 1 }, SceneSplit.HeldOut), 300, 200);
            lines.Add($"dense features: linear probe on {d.TrainScenes} scenes, tested on {d.TestScenes} ({d.Patches} patches): mIoU {100 * d.MeanIou:0.0}%, patch accuracy {100 * d.PatchAccuracy:0.0}%");
            var depth = DepthProbe.OnScenes(siglip, images, new FashionScenes(data, scenes with { Seed = scenes.Seed + 2, OcclusionShare = occlusion }, SceneSplit.HeldOut), 300, 200);
            lines.Add($"depth: linear probe on {depth.TrainImages} scenes{(occlusion > 0 ? $" (occlusion share {occlusion.ToString(System.Globalization.CultureInfo.InvariantCulture)})" : "")}, tested on {depth.TestImages} ({depth.Patches} patches): RMSE {depth.Rmse:0.000} m, δ1 {100 * depth.Delta1:0.0}%, abs. rel. {depth.AbsRel:0.000}");
        }
        return string.Join("\n", lines);
    }

    /// <summary>`eval --model M --depth-data DIR`: the depth probe on the user's images with 16-bit depth PNGs (<see cref="DenseProbeFolder"/>).</summary>
    private static int DepthOnFolder(IReadOnlyList<string> args)
    {
        var a = ParsedArguments.Parse(args, ["--model", "--depth-data", "--probe-data"], ["--json"]);
        string model = ModelOptions.ResolveFolder(a);
        var folder = DenseProbeFolder.Load(a.Optional("--probe-data") ?? a.Required("--depth-data", "a folder of images with NAME.depth.png and/or NAME.label.png beside them"));
        foreach (var s in folder.Skipped.Take(10)) Output.Note("skipped " + s);
        if (folder.Skipped.Count > 10) Output.Note($"… and {folder.Skipped.Count - 10} more skipped");
        using var siglip = Siglip2.Checkpoints.CheckpointLoader.Load(model);
        siglip.eval();
        var images = Siglip2.Processing.Images.ImageProcessorFactory.Create(Siglip2.Configuration.PreprocessorConfig.Load(Path.Combine(model, "preprocessor_config.json")));
        bool hasDepth = folder.Train.Any(i => i.Depth is not null) && folder.Test.Any(i => i.Depth is not null);
        bool hasLabels = folder.Train.Any(i => i.Labels is not null) && folder.Test.Any(i => i.Labels is not null);
        if (!hasDepth && !hasLabels) throw new Siglip2Exception("no usable images: the training and the test split both need depth or label maps");
        var depth = hasDepth ? DepthProbe.Run(siglip, images, folder.Train.Where(i => i.Depth is not null).ToList(), folder.Test.Where(i => i.Depth is not null).ToList()) : null;
        var seg = hasLabels ? DenseFeatureProbe.RunOnLabels(siglip, images, folder.Train.Where(i => i.Labels is not null).ToList(), folder.Test.Where(i => i.Labels is not null).ToList()) : null;
        if (a.Flag("--json"))
        {
            Output.WriteJson(new
            {
                depth = depth is null ? null : new { depth.TrainImages, depth.TestImages, depth.Patches, depth.Rmse, depth.Delta1, depth.AbsRel },
                segmentation = seg is null ? null : new { train_images = seg.TrainScenes, test_images = seg.TestScenes, seg.Patches, seg.MeanIou, seg.PatchAccuracy },
                skipped = folder.Skipped.Count,
            });
            return 0;
        }
        if (depth is not null)
            Console.WriteLine($"depth probe: {depth.TrainImages} training and {depth.TestImages} test images ({depth.Patches} patches): RMSE {depth.Rmse:0.000} m, δ1 {100 * depth.Delta1:0.0}%, abs. rel. {depth.AbsRel:0.000}");
        if (seg is not null)
            Console.WriteLine($"segmentation probe: {seg.TrainScenes} training and {seg.TestScenes} test images ({seg.Patches} patches): mIoU {100 * seg.MeanIou:0.0}%, patch accuracy {100 * seg.PatchAccuracy:0.0}%");
        if (folder.Skipped.Count > 0) Console.WriteLine($"{folder.Skipped.Count} images skipped");
        return 0;
    }

    /// <summary>The scene settings the model was trained with (recipe.json), else the defaults.</summary>
    public static FashionScenesConfig ReadScenesConfig(string model)
    {
        // a folder whose recipe.json cannot be read evaluates on the default scenes, as one without it
        try { return RunFolder.TryReadRecipe(model)?.Scenes ?? new FashionScenesConfig(); }
        catch (Siglip2Exception) { return new FashionScenesConfig(); }
    }

    public static void Write(FashionEvaluationReport report, string jsonPath)
    {
        string? dir = Path.GetDirectoryName(Path.GetFullPath(jsonPath));
        if (dir != null) Directory.CreateDirectory(dir);
        AtomicFile.WriteAllText(jsonPath, JsonSerializer.Serialize(report, Output.Json) + "\n");
        AtomicFile.WriteAllText(Path.ChangeExtension(jsonPath, ".md"), report.ToMarkdown());
        Plots.Bars(Path.ChangeExtension(jsonPath, ".png"), "Zero-shot top-1 on Fashion-MNIST test, by caption language", "top-1 (%)",
            report.ZeroShot.Select(z => z.Language).ToList(), [("zero-shot top-1", report.ZeroShot.Select(z => 100 * z.Top1).ToArray())]);
    }
}
