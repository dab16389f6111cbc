using Siglip2.Checkpoints;
using Siglip2.Cli.Infrastructure;
using Siglip2.Configuration;
using Siglip2.Processing.Images;
using Spectre.Console;

namespace Siglip2.Cli.Commands;

/// <summary>`siglip2 preprocess`: the exact tensors the image tower would see, as safetensors with Hugging Face names.</summary>
public sealed class PreprocessCommand : ICommand
{
    public string Name => "preprocess";
    public string Summary => "write the exact image tensors the model sees (pixel_values, NaFlex mask and shapes)";
    public string Usage => """
        usage: siglip2 preprocess --model DIR --image PATH|DIR ... --output FILE.safetensors [--max-patches N] [--no-exif] [--json]

          --model DIR       folder with preprocessor_config.json (a checkpoint folder)
          --output FILE     safetensors with pixel_values (B first, input order) and, for NaFlex,
                            pixel_attention_mask (int32) and spatial_shapes (int64)
          --json            print a JSON summary (per image: path, width, height, spatial_shape)
        example: siglip2 preprocess --model tests/fixtures/siglip2-naflex-tiny --image tests/fixtures/siglip2-naflex-tiny --output px.safetensors
        """;

    public int Run(IReadOnlyList<string> args)
    {
        var a = ParsedArguments.Parse(args, ["--model", "--image", "--output", "--max-patches"], ["--no-exif", "--json"]);
        string folder = ModelOptions.ResolveFolder(a);
        string config = Path.Combine(folder, "preprocessor_config.json");
        if (!Directory.Exists(folder)) throw new Siglip2Exception($"model folder not found: {folder}");
        if (!File.Exists(config)) throw new Siglip2Exception($"no preprocessor_config.json in {folder} (the image processing settings of the checkpoint)");
        var images = ImageInputs.Expand(a.All("--image").Concat(a.Positionals));
        if (images.Count == 0) throw new UsageException("give at least one --image");
        string output = a.Required("--output", "a .safetensors file to write");
        if (!output.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase))
            throw new UsageException($"--output must name a .safetensors file, got '{output}'");
        OutputGuard.CheckFile("--output", output, images, [folder]);
        var pc = PreprocessorConfig.Load(config);
        if (a.Optional("--max-patches") is not null)
        {
            if (pc.Kind != ImageProcessorKind.NaFlex) throw new UsageException("--max-patches applies to NaFlex processors only");
            pc = pc with { MaxNumPatches = a.Int("--max-patches", 256, 1, 65536) };
        }
        var processor = ImageProcessorFactory.Create(pc);
        var batch = processor.PreprocessFiles(images, new ImageDecodeOptions { ApplyExifOrientation = !a.Flag("--no-exif") });
        var tensors = batch.ToTensors();
        try
        {
            SafeTensorsWriter.Save(output, tensors);
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
        if (a.Flag("--json"))
        {
            Output.WriteJson(new
            {
                output,
                pixel_values_shape = batch.PixelValuesShape,
                images = images.Select((p, i) => new
                {
                    path = p,
                    spatial_shape = batch.SpatialShapes is null ? null : new[] { batch.SpatialShapes[2 * i], batch.SpatialShapes[2 * i + 1] },
                }),
            });
        }
        else
        {
            var table = new Table();
            table.AddColumn("image");
            table.AddColumn("model input");
            for (int i = 0; i < images.Count; i++)
                table.AddRow(Markup.Escape(images[i]), batch.SpatialShapes is null
                    ? $"{batch.PixelValuesShape[2]}×{batch.PixelValuesShape[3]} pixels"
                    : $"{batch.SpatialShapes[2 * i]}×{batch.SpatialShapes[2 * i + 1]} patches of {pc.PatchSize}px ({batch.SpatialShapes[2 * i] * batch.SpatialShapes[2 * i + 1]} of {batch.PixelValuesShape[1]})");
            AnsiConsole.Write(table);
            Output.Note($"wrote pixel_values [{string.Join(", ", batch.PixelValuesShape)}]{(batch.IsNaFlex ? ", pixel_attention_mask, spatial_shapes" : "")} for {images.Count} images to {output}");
        }
        return 0;
    }
}
