using Siglip2.Configuration;
using Siglip2.Cli.Infrastructure;
using Siglip2.Data;
using Siglip2.Modeling;
using Siglip2.Training;
using SkiaSharp;
using Spectre.Console;

namespace Siglip2.Cli.Commands;

/// <summary>`siglip2 quickstart`: the project's main job on its built-in default.</summary>
public sealed class QuickstartCommand : ICommand
{
    public string Name => "quickstart";
    public string Summary => "the main job: verify, train the default preset on FashionScenes, evaluate, classify";
    public string Usage => """
        usage: siglip2 quickstart [--preset NAME] [--output DIR] [--max-steps N] [--fresh] [--data DIR]

        1. checks both shipped reference checkpoints against the Hugging Face outputs;
        2. trains the default preset (tiny) on FashionScenes into runs/quickstart (resumes a stopped run;
           --fresh starts over);
        3. evaluates it (zero-shot on the 10,000 Fashion-MNIST test images in all ten caption languages,
           retrieval on held-out scenes) and prints the table;
        4. classifies a few test images with the fresh checkpoint.
        """;

    public int Run(IReadOnlyList<string> args)
    {
        var a = ParsedArguments.Parse(args, ["--preset", "--output", "--max-steps", "--data"], ["--fresh"]);
        string root = RepositoryPaths.Root;
        var recipe = TrainingRecipe.Get(a.Optional("--preset") ?? "tiny");
        string output = a.Optional("--output") ?? Path.Combine(root, "runs", "quickstart");
        long? maxSteps = a.Optional("--max-steps") is null ? null : a.Long("--max-steps", 0);

        AnsiConsole.MarkupLine("[bold]1. reference parity[/] (Hugging Face transformers fixtures)");
        bool ok = true;
        foreach (var fixture in new[] { "siglip-tiny", "siglip2-naflex-tiny" })
        {
            string dir = Path.Combine(root, "tests", "fixtures", fixture);
            var report = VerifyCommand.Verify(dir, Path.Combine(dir, "expected.safetensors"), null, AttentionImplementation.Auto);
            var worst = report.Compared.MaxBy(c => c.MaxAbsError / c.Tolerance)!;
            AnsiConsole.MarkupLine($"   {fixture}: {(report.Passed ? "[green]PASS[/]" : "[red]FAIL[/]")} — {report.Compared.Count} tensors, max abs error {report.Compared.Max(c => c.MaxAbsError):0.0e+00} (worst vs tolerance: {worst.Name})");
            ok &= report.Passed;
        }

        AnsiConsole.MarkupLine($"[bold]2. training[/] preset {recipe.Name}: {Markup.Escape(recipe.Description)}");
        if (a.Flag("--fresh") && Directory.Exists(output)) Directory.Delete(output, recursive: true);
        bool resume = File.Exists(Path.Combine(output, TrainingState.FileName));
        var result = TrainCommand.Train(new TrainingRunOptions
        {
            Recipe = recipe, OutputFolder = output, DataDirectory = a.Optional("--data"), MaxSteps = maxSteps, Resume = resume,
        });
        AnsiConsole.MarkupLine($"   step {result.LastStep}/{result.TotalSteps}, {result.ImagesPerSecond:0} images/s, data wait {result.DataWaitShare:P0}; loss curve: {Markup.Escape(Path.Combine(output, "loss_curve.png"))}");

        AnsiConsole.MarkupLine("[bold]3. evaluation[/]");
        var eval = EvalCommand.Evaluate(output, a.Optional("--data"), CaptionLanguages.Codes, null, 1000);
        EvalCommand.Write(eval, Path.Combine(output, "eval.json"));
        Console.WriteLine(eval.ToMarkdown());

        AnsiConsole.MarkupLine("[bold]4. zero-shot classification of a few test images[/]");
        var samples = WriteSamples(output, a.Optional("--data"));
        var labels = string.Join(",", Enumerable.Range(0, FashionMnist.ClassCount).Select(CaptionLanguages.English.ClassName));
        var classifyArgs = new List<string> { "--model", output, "--labels", labels, "--template", "a photo of a {}.", "--top", "3" };
        foreach (var s in samples) { classifyArgs.Add("--image"); classifyArgs.Add(s.Path); }
        Console.WriteLine("   true classes: " + string.Join(", ", samples.Select(s => $"{Path.GetFileName(s.Path)} = {s.Label}")));
        ok &= new ClassifyCommand().Run(classifyArgs) == 0;
        return ok ? 0 : 1;
    }

    /// <summary>Writes four Fashion-MNIST test images (one per class from the first) as PNG files.</summary>
    private static List<(string Path, string Label)> WriteSamples(string output, string? dataDir)
    {
        var test = FashionMnist.LoadPart(FashionMnistPart.Test, dataDir);
        string dir = Path.Combine(output, "samples");
        Directory.CreateDirectory(dir);
        var result = new List<(string, string)>();
        var seen = new HashSet<int>();
        for (int i = 0; i < test.Count && result.Count < 4; i++)
        {
            int label = test.Label(i);
            if (!seen.Add(label)) continue;
            string path = Path.Combine(dir, $"test_{i:D5}.png");
            using var bitmap = new SKBitmap(FashionMnist.ImageSide, FashionMnist.ImageSide, SKColorType.Gray8, SKAlphaType.Opaque);
            var pixels = test.Image(i);
            for (int y = 0; y < FashionMnist.ImageSide; y++)
                for (int x = 0; x < FashionMnist.ImageSide; x++)
                {
                    byte v = pixels[y * FashionMnist.ImageSide + x];
                    bitmap.SetPixel(x, y, new SKColor(v, v, v));
                }
            using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
            AtomicFile.WriteAllBytes(path, data.ToArray());
            result.Add((path, CaptionLanguages.English.ClassName(label)));
        }
        return result;
    }
}
