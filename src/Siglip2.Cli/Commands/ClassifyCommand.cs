using Siglip2.Cli.Infrastructure;
using Spectre.Console;

namespace Siglip2.Cli.Commands;

/// <summary>`siglip2 classify`: zero-shot classification with SigLIP's sigmoid probabilities.</summary>
public sealed class ClassifyCommand : ICommand
{
    public string Name => "classify";
    public string Summary => "zero-shot classification: sigmoid probability of each label (independent, not a softmax)";
    public string Usage => $$"""
        usage: siglip2 classify --model DIR --image PATH|DIR ... --labels "cat,dog,..." [--template "this is a photo of {}."] [options]

          --labels LIST     comma-separated labels (or repeat --labels; --text-file FILE: one label per line,
                            which may contain commas)
          --template T      prompt with {} for the label (default "this is a photo of {}.")
          --top K           show the K most probable labels per image (default: all)
          --json            JSON: [{"path", "labels": [{"label", "probability", "logit"}]}], sorted by probability
        {{ModelOptions.Help}}
        {{TextOptions.Help}}
        SigLIP scores every (image, label) pair with its own sigmoid, so the probabilities of one image need not
        sum to 1: each says how well that label alone matches.
        example: siglip2 classify --model runs/quickstart --image runs/quickstart/samples --labels "sneaker,bag,dress,coat"
        """;

    public int Run(IReadOnlyList<string> args)
    {
        var a = ParsedArguments.Parse(args, ["--image", "--labels", "--template", "--top", .. ModelOptions.ValueOptions], ModelOptions.FlagOptions);
        var images = ImageInputs.Expand(a.All("--image").Concat(a.Positionals));
        if (images.Count == 0) throw new UsageException("give at least one --image");
        var labels = a.All("--labels").SelectMany(l => l.Split(',')).Select(l => l.Trim()).Where(l => l.Length > 0)
            .Concat(TextOptions.ReadTextFiles(a).Select(l => l.Trim())).ToList();
        if (labels.Count == 0) throw new UsageException("--labels is empty: give comma-separated labels, e.g. --labels \"cat,dog\" (or --text-file with one label per line)");
        var duplicates = labels.GroupBy(l => l).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        if (duplicates.Count > 0) throw new UsageException($"label '{duplicates[0]}' is given twice");
        string template = a.Optional("--template") ?? "this is a photo of {}.";
        if (!template.Contains("{}")) throw new UsageException($"--template must contain {{}} where the label goes, got '{template}'");
        int top = a.Int("--top", labels.Count, 1, 100_000);
        var prompts = labels.Select(l => template.Replace("{}", l)).ToList();

        using var pipeline = ModelOptions.LoadInference(a, ["image", "text"], out var loadedOnnx);
        using var onnx = loadedOnnx;
        var tokenized = TextOptions.Tokenize(pipeline.TextProcessor, prompts, a);
        using var textEmbeds = onnx?.EmbedTexts(tokenized, pipeline.Options.BatchSize) ?? pipeline.EmbedTexts(tokenized);
        using var progress = new ProgressReporter("classifying", images.Count, "images", enabled: images.Count > pipeline.Options.BatchSize && !Console.IsErrorRedirected);
        using var imageEmbeds = onnx?.EmbedImageFiles(pipeline.ImageProcessor, images, pipeline.Options.BatchSize, pipeline.Options.Decode, progress)
            ?? pipeline.EmbedImageFiles(images, progress);
        using var probabilities = pipeline.Probabilities(imageEmbeds, textEmbeds);
        var (_, perImage) = pipeline.Model.Logits(imageEmbeds, textEmbeds);
        float[] p = probabilities.data<float>().ToArray();
        float[] logits = perImage.to_type(TorchSharp.torch.ScalarType.Float32).data<float>().ToArray();
        perImage.Dispose();
        int n = labels.Count;
        var results = images.Select((path, i) => new
        {
            path,
            labels = Enumerable.Range(0, n).Select(j => new { label = labels[j], probability = p[i * n + j], logit = logits[i * n + j] })
                .OrderByDescending(x => x.probability).Take(top).ToList(),
        }).ToList();
        if (a.Flag("--json")) { Output.WriteJson(results); return 0; }
        foreach (var r in results)
        {
            AnsiConsole.MarkupLine($"[bold]{Markup.Escape(r.path)}[/]");
            var table = new Table();
            table.AddColumn("label");
            table.AddColumn(new TableColumn("probability").RightAligned());
            table.AddColumn(new TableColumn("logit").RightAligned());
            foreach (var l in r.labels) table.AddRow(Markup.Escape(l.label), l.probability.ToString("0.0000"), l.logit.ToString("0.000"));
            AnsiConsole.Write(table);
        }
        return 0;
    }
}
