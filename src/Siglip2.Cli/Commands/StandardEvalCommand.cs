using System.Text.Json;
using Siglip2.Cli.Infrastructure;
using Siglip2.Configuration;
using Siglip2.Data;
using Siglip2.Tasks;
using Siglip2.Tasks.Evaluation;

namespace Siglip2.Cli.Commands;

/// <summary>
/// `siglip2 eval --classes ROOT | --karpathy FILE | --xm3600 DIR|FILE`: the standard benchmark formats, for any
/// checkpoint (folder or Hub id). <see cref="EvalCommand"/> hands over when one of those options is given.
/// </summary>
public static class StandardEvalCommand
{
    public static readonly string[] Selectors = ["--classes", "--karpathy", "--xm3600"];

    public const string Usage = """
        standard benchmark formats (any SigLIP / SigLIP 2 checkpoint, folder or Hub id; docs/evaluation.md):
        usage: siglip2 eval --model M --classes ROOT [--class-names FILE] [--templates siglip|clip80|clip-best|FILE]
               siglip2 eval --model M --karpathy dataset_coco.json --images DIR [--split test]
               siglip2 eval --model M --xm3600 captions.jsonl|DIR [--images DIR] [--languages en,de,...]
               (--classes combines with one of the other two)  [--output FILE.json] [--json] [--batch-size N]

          --classes ROOT     zero-shot top-1/top-5 on ROOT/<class>/*.jpg (ImageNet-style; classes = sorted folders)
          --class-names FILE one name per line in sorted folder order, or folder<TAB>name lines (default: folder names)
          --templates T      prompt templates: siglip (default; big_vision's 80 CLIP templates + "{}", canonicalised),
                             clip80 (the CLIP paper's 80), clip-best (big_vision's 8), or a file with one {} per line
          --karpathy FILE    Karpathy-split COCO/Flickr30k JSON; R@1/5/10 image→text and text→image
          --images DIR       the images folder (COCO: the folder holding val2014/; XM3600: default DIR/images)
          --split S          the Karpathy split to evaluate (default test)
          --xm3600 PATH      XM3600 captions.jsonl (or a folder with it), or a folder of <lang>.jsonl / <lang>.txt files
          --languages LIST   the XM3600 languages to evaluate (default: all in the file)
          --output FILE      the JSON report (default: beside a local checkpoint, else here: eval-<sections>.json);
                             a markdown table and a PNG chart go beside it
          Unreadable or corrupt image files are skipped and counted in the report.
        """;

    /// <summary>True when the arguments (before a "--") select a standard-format evaluation.</summary>
    public static bool Selected(IReadOnlyList<string> args) =>
        args.TakeWhile(a => a != "--").Any(a => Selectors.Any(s => a == s || a.StartsWith(s + "=", StringComparison.Ordinal)));

    public static int Run(IReadOnlyList<string> args)
    {
        var a = ParsedArguments.Parse(args,
            ["--model", "--classes", "--class-names", "--templates", "--karpathy", "--images", "--split", "--xm3600", "--languages", "--output",
             "--batch-size", "--dtype", "--attention", "--max-patches", "--lowercase", "--length"],
            ["--json", "--no-exif"]);
        string? classes = a.Optional("--classes"), karpathy = a.Optional("--karpathy"), xm3600 = a.Optional("--xm3600");
        if (karpathy is not null && xm3600 is not null)
            throw new UsageException("--karpathy and --xm3600 each need their own --images; run them one at a time");
        if (classes is null && (a.Optional("--class-names") ?? a.Optional("--templates")) is not null)
            throw new UsageException("--class-names and --templates apply to --classes ROOT");
        if (karpathy is null && a.Optional("--split") is not null) throw new UsageException("--split applies to --karpathy FILE");
        if (xm3600 is null && a.Optional("--languages") is not null) throw new UsageException("--languages applies to --xm3600 (for FashionScenes, drop --classes/--karpathy)");
        string? images = a.Optional("--images");
        if (karpathy is not null && images is null) throw new UsageException("--karpathy needs --images DIR (the folder the file's filepath/filename entries are under)");
        if (xm3600 is not null && images is null)
        {
            string guess = Path.Combine(Directory.Exists(xm3600) ? xm3600 : Path.GetDirectoryName(Path.GetFullPath(xm3600)) ?? ".", "images");
            images = Directory.Exists(guess) ? guess : throw new UsageException($"--xm3600 needs --images DIR (no {guess} folder)");
        }
        if (images is not null && !Directory.Exists(images)) throw new Siglip2Exception($"images folder not found: {images}");

        // The data first: a mistake in a file shows before the model loads.
        string templatesName = a.Optional("--templates") ?? "siglip";
        ClassFolderDataset? classData = null;
        IReadOnlyList<string>? templates = null;
        if (classes is not null)
        {
            templates = PromptTemplates.Resolve(templatesName);
            classData = ClassFolderDataset.Load(classes, a.Optional("--class-names"));
        }
        Xm3600Captions? xmCaptions = null;
        if (xm3600 is not null)
        {
            var languages = a.Optional("--languages")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            xmCaptions = Xm3600Captions.Load(xm3600, images!, languages);
        }

        string model = ModelOptions.ResolveFolder(a);
        string sections = string.Join("-", new[] { classes is null ? null : "classes", karpathy is null ? null : "karpathy", xm3600 is null ? null : "xm3600" }.OfType<string>());
        string output = a.Optional("--output")
            ?? (Directory.Exists(a.Required("--model", "")) ? Path.Combine(model, $"eval-{sections}.json") : $"eval-{sections}.json");
        var inputs = new[] { karpathy, a.Optional("--class-names"), templates is not null && File.Exists(templatesName) ? templatesName : null,
            xm3600 is not null && File.Exists(xm3600) ? xm3600 : null }.OfType<string>().ToList();
        foreach (var file in new[] { output, Path.ChangeExtension(output, ".md"), Path.ChangeExtension(output, ".png") })
            OutputGuard.CheckFile("--output", file, inputs, [model]);

        using var pipeline = ModelOptions.Load(a);
        ClassFolderZeroShotResult? zeroShot = null;
        if (classData is not null)
        {
            using var classEmbeds = ClassFolderZeroShot.ClassEmbeddings(pipeline, classData.ClassNames, templates!, Phase("class prompts", classData.Folders.Count, "classes"));
            zeroShot = ClassFolderZeroShot.Run(pipeline, classData, classEmbeds, templatesName, templates!.Count, Phase("zero-shot", classData.Images.Count, "images"));
        }
        KarpathyRetrievalResult? retrieval = null;
        if (karpathy is not null)
        {
            string split = a.Optional("--split") ?? "test";
            var data = KarpathyCaptions.Load(karpathy, images!, split);
            retrieval = KarpathyRetrieval.Run(pipeline, data, karpathy, split,
                Phase("images", data.Count, "images"), Phase("captions", data.Sum(i => i.Captions.Count), "captions"));
        }
        Xm3600RetrievalResult? multilingual = null;
        if (xmCaptions is not null)
        {
            int count = xmCaptions.Languages.SelectMany(l => l.Images.Select(i => i.ImagePath)).Distinct(StringComparer.Ordinal).Count();
            multilingual = Xm3600Retrieval.Run(pipeline, xmCaptions, xm3600!, Phase("images", count, "images"),
                (language, captions) => Phase($"captions {language}", captions, "captions"));
        }

        var report = new StandardEvaluationReport(a.Required("--model", ""), zeroShot, retrieval, multilingual);
        Write(report, output);
        if (a.Flag("--json")) Output.WriteJson(report);
        else Console.WriteLine(report.ToMarkdown());
        Output.Note($"wrote {output}, {Path.ChangeExtension(output, ".md")}, {Path.ChangeExtension(output, ".png")}"
            + (multilingual is null ? "" : $", {LanguagesChart(output)}"));
        return 0;
    }

    /// <summary>A progress bar for one phase; it ends its line when the phase reports its total.</summary>
    private static IProgress<int> Phase(string label, int total, string unit) => new PhaseProgress(new ProgressReporter(label, total, unit), total);

    private sealed class PhaseProgress(ProgressReporter bar, int total) : IProgress<int>
    {
        private bool _closed;

        public void Report(int value)
        {
            if (_closed) return;
            bar.Report(value);
            if (value >= total) { _closed = true; bar.Dispose(); }
        }
    }

    public static string LanguagesChart(string jsonPath) => Path.ChangeExtension(jsonPath, null) + "-languages.png";

    public static void Write(StandardEvaluationReport report, string jsonPath)
    {
        AtomicFile.WriteAllText(jsonPath, JsonSerializer.Serialize(report, Output.Json) + "\n");
        AtomicFile.WriteAllText(Path.ChangeExtension(jsonPath, ".md"), report.ToMarkdown());
        var headline = report.Headline();
        Plots.Bars(Path.ChangeExtension(jsonPath, ".png"), $"{report.Model}: standard benchmarks", "%",
            headline.Select(h => h.Label).ToList(), [("value", headline.Select(h => h.Percent).ToArray())]);
        if (report.Xm3600 is { } x)
            Plots.Bars(LanguagesChart(jsonPath), $"{report.Model}: retrieval R@1 by caption language", "R@1 (%)",
                x.Languages.Select(l => l.Language).Append("mean").ToList(),
                [("image → text", x.Languages.Select(l => 100 * l.Recall.ImageToTextR1).Append(100 * x.Mean.ImageToTextR1).ToArray()),
                 ("text → image", x.Languages.Select(l => 100 * l.Recall.TextToImageR1).Append(100 * x.Mean.TextToImageR1).ToArray())],
                width: Math.Max(900, 40 * (x.Languages.Count + 1)));
    }
}
