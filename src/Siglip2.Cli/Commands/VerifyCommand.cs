using Siglip2.Checkpoints;
using Siglip2.Cli.Infrastructure;
using Siglip2.Modeling;
using Siglip2.Tasks;
using Spectre.Console;

namespace Siglip2.Cli.Commands;

/// <summary>`siglip2 verify`: runs a checkpoint on the inputs of a reference file and compares every output it knows.</summary>
public sealed class VerifyCommand : ICommand
{
    public string Name => "verify";
    public string Summary => "check a checkpoint against reference outputs (e.g. from Hugging Face transformers)";
    public string Usage => """
        usage: siglip2 verify --model DIR [--expected FILE] [--atol X] [--attention auto|sdpa|eager] [--json]

          --model DIR       Hugging Face checkpoint folder (config.json + model.safetensors)
          --expected FILE   reference .safetensors holding inputs (pixel_values, pixel_attention_mask,
                            spatial_shapes, input_ids, attention_mask) and outputs (vision_last_hidden_state,
                            vision_pooler_output, text_last_hidden_state, text_pooler_output, image_embeds,
                            text_embeds, logits_per_image, logits_per_text, *_hidden_state_N, ...);
                            default: DIR/expected.safetensors
          --atol X          absolute tolerance for every tensor; default: each tensor's suggested_atol in the
                            manifest.json beside FILE, else 1e-5
          --attention IMPL  attention implementation (default auto)
          --json            machine-readable output
        exit code 0 when every compared tensor is within tolerance, 1 otherwise.
        example: siglip2 verify --model tests/fixtures/siglip-tiny
        """;

    public int Run(IReadOnlyList<string> args)
    {
        var a = ParsedArguments.Parse(args, ["--model", "--expected", "--atol", "--attention"], ["--json"]);
        string model = ModelOptions.ResolveFolder(a);
        if (!Directory.Exists(model))
            throw new Siglip2Exception($"model folder not found: {model} (pass a Hugging Face checkpoint folder with config.json and model.safetensors)");
        string expected = a.Optional("--expected") ?? Path.Combine(model, "expected.safetensors");
        if (!File.Exists(expected))
            throw new Siglip2Exception($"reference file not found: {expected} (pass --expected FILE)");
        double? atol = a.Double("--atol", 0);
        var attention = a.Choice("--attention", AttentionChoices, AttentionImplementation.Auto);
        bool json = a.Flag("--json");
        var report = Verify(model, expected, atol, attention);
        if (json)
        {
            Output.WriteJson(new
            {
                model,
                expected,
                passed = report.Passed,
                tensors = report.Compared.Select(c => new
                {
                    name = c.Name, shape = c.Shape, max_abs_error = c.MaxAbsError, max_rel_error = c.MaxRelError,
                    tolerance = c.Tolerance, passed = c.Passed,
                }),
                inputs = report.Inputs,
                not_compared = report.Skipped,
            });
        }
        else
        {
            PrintTable(model, expected, report);
        }
        return report.Passed ? 0 : 1;
    }

    public static readonly IReadOnlyDictionary<string, AttentionImplementation> AttentionChoices =
        new Dictionary<string, AttentionImplementation>
        {
            ["auto"] = AttentionImplementation.Auto, ["sdpa"] = AttentionImplementation.Sdpa, ["eager"] = AttentionImplementation.Eager,
        };

    public static VerificationReport Verify(string modelDir, string expected, double? atol, AttentionImplementation attention)
    {
        using var model = CheckpointLoader.Load(modelDir);
        model.SetAttentionImplementation(attention);
        var report = ReferenceVerification.Run(model, expected, atol);
        if (report.Compared.Count == 0)
            throw new Siglip2Exception($"{expected} holds no output this model can reproduce (known: vision_last_hidden_state, vision_pooler_output, text_last_hidden_state, text_pooler_output, image_embeds, text_embeds, logits_per_image, logits_per_text)");
        return report;
    }

    public static void PrintTable(string model, string expected, VerificationReport report)
    {
        var table = new Table().Title($"verify [bold]{Markup.Escape(model)}[/] against {Markup.Escape(expected)}");
        table.AddColumn("tensor");
        table.AddColumn("shape");
        table.AddColumn(new TableColumn("max abs err").RightAligned());
        table.AddColumn(new TableColumn("max rel err").RightAligned());
        table.AddColumn(new TableColumn("tolerance").RightAligned());
        table.AddColumn("result");
        foreach (var c in report.Compared)
        {
            table.AddRow(Markup.Escape(c.Name), $"[[{string.Join(", ", c.Shape)}]]",
                c.ShapeMatches ? c.MaxAbsError.ToString("0.00e+00") : "shape!",
                c.ShapeMatches ? c.MaxRelError.ToString("0.00e+00") : "-",
                c.Tolerance.ToString("0.00e+00"),
                c.Passed ? "[green]ok[/]" : "[red]FAIL[/]");
        }
        AnsiConsole.Write(table);
        if (report.Skipped.Count > 0)
            AnsiConsole.MarkupLine($"[grey]not compared (unknown outputs): {Markup.Escape(string.Join(", ", report.Skipped))}[/]");
        int failed = report.Compared.Count(c => !c.Passed);
        AnsiConsole.MarkupLine(failed == 0
            ? $"[green]PASS[/]: {report.Compared.Count} tensors within tolerance"
            : $"[red]FAIL[/]: {failed} of {report.Compared.Count} tensors beyond tolerance");
    }
}
