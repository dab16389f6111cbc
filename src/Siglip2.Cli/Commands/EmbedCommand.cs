using Siglip2.Checkpoints;
using Siglip2.Cli.Infrastructure;
using Spectre.Console;
using static TorchSharp.torch;

namespace Siglip2.Cli.Commands;

/// <summary>`siglip2 embed`: L2-normalised image and/or text embeddings.</summary>
public sealed class EmbedCommand : ICommand
{
    public string Name => "embed";
    public string Summary => "image and/or text embeddings (L2-normalised), optionally saved as safetensors";
    public string Usage => $$"""
        usage: siglip2 embed --model DIR [--image PATH|DIR ...] [--text STR ...] [--output FILE] [options]

          --image PATH|DIR  image file, or a folder of images (jpg, png, webp, bmp, gif); repeatable
          --text STR        a text; repeatable (see also --text-file)
          --output FILE     write image_embeds and/or text_embeds (float32, input order) to FILE.safetensors
          --json            JSON: {"images": [{"path", "embedding"}], "texts": [{"text", "embedding"}]}
        {{ModelOptions.Help}}
        {{TextOptions.Help}}
        example: siglip2 embed --model tests/fixtures/siglip-tiny --image tests/fixtures/siglip-tiny --output embeds.safetensors
        """;

    public int Run(IReadOnlyList<string> args)
    {
        var a = ParsedArguments.Parse(args, ["--image", "--text", "--output", .. ModelOptions.ValueOptions], ModelOptions.FlagOptions);
        if (a.Positionals.Count > 0) throw new UsageException($"unexpected argument '{a.Positionals[0]}' (images go after --image, texts after --text)");
        var images = ImageInputs.Expand(a.All("--image"));
        var texts = a.All("--text").Concat(TextOptions.ReadTextFiles(a)).ToList();
        if (images.Count == 0 && texts.Count == 0) throw new UsageException("give at least one --image, --text or --text-file");
        string? output = a.Optional("--output");
        if (output != null && !output.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase))
            throw new UsageException($"--output must name a .safetensors file, got '{output}'");
        if (output != null)
            OutputGuard.CheckFile("--output", output, images.Concat(a.All("--text-file")), [ModelOptions.ResolveFolder(a)]);
        using var pipeline = ModelOptions.LoadInference(a, [.. images.Count > 0 ? ["image"] : Array.Empty<string>(), .. texts.Count > 0 ? ["text"] : Array.Empty<string>()], out var loadedOnnx);
        using var onnx = loadedOnnx;
        Tensor? imageEmbeds = null, textEmbeds = null;
        try
        {
            if (images.Count > 0)
            {
                using var progress = new ProgressReporter("embedding images", images.Count, "images", enabled: images.Count > pipeline.Options.BatchSize && !Console.IsErrorRedirected);
                imageEmbeds = onnx?.EmbedImageFiles(pipeline.ImageProcessor, images, pipeline.Options.BatchSize, pipeline.Options.Decode, progress)
                    ?? pipeline.EmbedImageFiles(images, progress);
            }
            if (texts.Count > 0)
            {
                var batch = TextOptions.Tokenize(pipeline.TextProcessor, texts, a);
                textEmbeds = onnx?.EmbedTexts(batch, pipeline.Options.BatchSize) ?? pipeline.EmbedTexts(batch);
            }
            if (output != null)
            {
                var tensors = new List<KeyValuePair<string, Tensor>>();
                if (imageEmbeds is not null) tensors.Add(new("image_embeds", imageEmbeds));
                if (textEmbeds is not null) tensors.Add(new("text_embeds", textEmbeds));
                SafeTensorsWriter.Save(output, tensors);
                Output.Note($"wrote {string.Join(" and ", tensors.Select(t => $"{t.Key} [{string.Join(", ", t.Value.shape)}]"))} to {output}");
            }
            if (a.Flag("--json"))
            {
                Output.WriteJson(new
                {
                    images = imageEmbeds is null ? null : images.Select((p, i) => new { path = p, embedding = Row(imageEmbeds, i) }),
                    texts = textEmbeds is null ? null : texts.Select((t, i) => new { text = t, embedding = Row(textEmbeds, i) }),
                });
            }
            else if (output == null)
            {
                var table = new Table();
                table.AddColumn("input");
                table.AddColumn(new TableColumn("dim").RightAligned());
                table.AddColumn("embedding (first values)");
                if (imageEmbeds is not null) for (int i = 0; i < images.Count; i++) table.AddRow(Markup.Escape(images[i]), imageEmbeds.shape[1].ToString(), Preview(imageEmbeds, i));
                if (textEmbeds is not null) for (int i = 0; i < texts.Count; i++) table.AddRow(Markup.Escape($"\"{texts[i]}\""), textEmbeds.shape[1].ToString(), Preview(textEmbeds, i));
                AnsiConsole.Write(table);
            }
        }
        finally
        {
            imageEmbeds?.Dispose();
            textEmbeds?.Dispose();
        }
        return 0;
    }

    private static float[] Row(Tensor t, int i)
    {
        using var r = t[i];
        return r.data<float>().ToArray();
    }

    private static string Preview(Tensor t, int i) =>
        string.Join(" ", Row(t, i).Take(6).Select(v => v.ToString("+0.0000;-0.0000"))) + " …";
}
