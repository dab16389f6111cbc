using Siglip2.Checkpoints;
using Siglip2.Cli.Infrastructure;
using Siglip2.Onnx;

namespace Siglip2.Cli.Commands;

/// <summary>`siglip2 export`: the checkpoint's towers as ONNX graphs in the onnx-community or the Immich folder layout.</summary>
public sealed class ExportCommand : ICommand
{
    public string Name => "export";
    public string Summary => "write the image and text towers as ONNX graphs (onnx-community or Immich layout, fp32 or int8)";
    public string Usage => """
        usage: siglip2 export --model M --format onnx --output DIR [--quantize int8] [--layout onnx-community|immich] [--json]

          --model M         a checkpoint folder or Hugging Face Hub id org/name[@revision]
          --format onnx     the only format (ONNX opset 20, dynamic batch and sequence axes)
          --output DIR      the folder to write (created; files of an earlier export are replaced)
          --quantize int8   dynamic int8 (none: fp32, the default): u8 activations × s8 weights, per-output-channel scales
                            (DynamicQuantizeLinear + MatMulInteger) for every linear layer
          --layout L        onnx-community (default): onnx/vision_model.onnx, onnx/text_model.onnx
                            (int8: *_int8.onnx) + the checkpoint's JSON and tokenizer files;
                            immich: visual/model.onnx + preprocess_cfg.json, textual/model.onnx +
                            tokenizer files, config.json (fixed-resolution checkpoints only)
          --json            print the written files as JSON
        Weights past 2 GB go to an external data file beside the graph (model.onnx_data). docs/onnx.md
        example: siglip2 export --model google/siglip2-base-patch16-224 --format onnx --output siglip2-onnx --quantize int8
        """;

    private static readonly Dictionary<string, OnnxFolderLayout> Layouts = new()
    {
        ["onnx-community"] = OnnxFolderLayout.OnnxCommunity,
        ["immich"] = OnnxFolderLayout.Immich,
    };

    private static readonly Dictionary<string, OnnxPrecision> Quantizations = new() { ["int8"] = OnnxPrecision.Int8, ["none"] = OnnxPrecision.Float32 };

    public int Run(IReadOnlyList<string> args)
    {
        var a = ParsedArguments.Parse(args, ["--model", "--format", "--output", "--quantize", "--layout"], ["--json"]);
        if (a.Positionals.Count > 0) throw new UsageException($"unexpected argument '{a.Positionals[0]}'");
        string format = a.Required("--format", "onnx");
        if (format != "onnx") throw new UsageException($"--format must be onnx, got '{format}'");
        var layout = a.Choice("--layout", Layouts, OnnxFolderLayout.OnnxCommunity);
        var precision = a.Choice("--quantize", Quantizations, OnnxPrecision.Float32);
        string output = a.Required("--output", "a folder to write the ONNX files into");
        string folder = ModelOptions.ResolveFolder(a);
        OutputGuard.CheckFolder("--output", output, [folder]);
        using var model = CheckpointLoader.Load(folder);
        if (layout == OnnxFolderLayout.Immich && model.VisionModel is { Config.IsNaflex: true })
            throw new UsageException("--layout immich needs a fixed-resolution checkpoint (Immich feeds (B, 3, H, W) images); this one is NaFlex — use --layout onnx-community");
        IReadOnlyList<string> written;
        using (var progress = new ProgressReporter($"export {OnnxTowerExport.PrecisionName(precision)}", OnnxFolderExport.TowerCount(model), "towers"))
            written = OnnxFolderExport.Write(model, folder, output, layout, precision, progress);
        if (layout == OnnxFolderLayout.Immich && model.TextModel is not null && !written.Contains("textual/tokenizer.json"))
            Output.Note($"{folder} has no tokenizer.json: Immich tokenises with textual/tokenizer.json (and reads pad_token from textual/tokenizer_config.json); copy them there");
        if (a.Flag("--json"))
        {
            Output.WriteJson(new
            {
                output,
                layout = Layouts.First(kv => kv.Value == layout).Key,
                precision = OnnxTowerExport.PrecisionName(precision),
                files = written,
            });
        }
        else
        {
            foreach (var file in written) Console.WriteLine(Path.Combine(output, file));
            Output.Note($"wrote {written.Count} files ({OnnxTowerExport.PrecisionName(precision)}, {Layouts.First(kv => kv.Value == layout).Key} layout) to {output}");
        }
        return 0;
    }
}
