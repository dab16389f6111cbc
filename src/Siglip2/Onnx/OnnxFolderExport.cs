using System.Text.Json;
using System.Text.Json.Nodes;
using Siglip2.Configuration;
using Siglip2.Modeling;
using Siglip2.Processing.Images;

namespace Siglip2.Onnx;

/// <summary>The folder layouts an export writes.</summary>
public enum OnnxFolderLayout
{
    /// <summary>
    /// transformers.js / onnx-community: <c>onnx/vision_model.onnx</c>, <c>onnx/text_model.onnx</c> (int8:
    /// <c>*_int8.onnx</c>, transformers.js's dtype "int8") beside a copy of the checkpoint's JSON and tokenizer files.
    /// </summary>
    OnnxCommunity,

    /// <summary>
    /// Immich's CLIP model folder: <c>visual/model.onnx</c> + <c>visual/preprocess_cfg.json</c>,
    /// <c>textual/model.onnx</c> + the tokenizer files, and an open_clip-style <c>config.json</c> whose
    /// <c>text_cfg.context_length</c> Immich pads the ids to.
    /// </summary>
    Immich,
}

/// <summary>
/// Writes a checkpoint's towers as ONNX graphs into one of the <see cref="OnnxFolderLayout"/>s. Every file is written
/// atomically; the checkpoint's own files are copied, never moved.
/// </summary>
public static class OnnxFolderExport
{
    /// <summary>The checkpoint files copied beside the graphs (those that exist).</summary>
    public static readonly string[] CheckpointFiles =
        ["config.json", "preprocessor_config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "tokenizer.model"];

    private static readonly string[] TokenizerFiles = ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "tokenizer.model"];

    /// <summary>The number of towers <see cref="Write"/> exports (its progress total).</summary>
    public static int TowerCount(Siglip2Model model) => (model.VisionModel is null ? 0 : 1) + (model.TextModel is null ? 0 : 1);

    /// <param name="progress">receives the number of towers written so far.</param>
    /// <returns>every file written, relative to <paramref name="outputFolder"/>.</returns>
    public static IReadOnlyList<string> Write(Siglip2Model model, string checkpointFolder, string outputFolder, OnnxFolderLayout layout,
        OnnxPrecision precision, IProgress<int>? progress = null, long externalDataThreshold = OnnxExportOptions.DefaultExternalDataThreshold)
    {
        var written = new List<string>();
        bool immich = layout == OnnxFolderLayout.Immich;
        if (immich && model.VisionModel is { Config.IsNaflex: true })
            throw new Siglip2Exception("Immich's image model takes fixed-size images (B, 3, H, W); this is a NaFlex checkpoint — use --layout onnx-community");
        var options = new OnnxExportOptions
        {
            Precision = precision,
            Interface = immich ? OnnxGraphInterface.Immich : OnnxGraphInterface.HuggingFace,
            ExternalDataThreshold = externalDataThreshold,
        };
        string suffix = precision == OnnxPrecision.Int8 && !immich ? "_int8" : "";
        int done = 0;

        void Add(OnnxExportResult r)
        {
            written.Add(Path.GetRelativePath(outputFolder, r.ModelPath));
            if (r.ExternalDataPath is not null) written.Add(Path.GetRelativePath(outputFolder, r.ExternalDataPath));
            progress?.Report(++done);
        }

        if (model.VisionModel is { } vision)
            Add(OnnxTowerExport.WriteVision(vision, Path.Combine(outputFolder, immich ? "visual/model.onnx" : $"onnx/vision_model{suffix}.onnx"), options));
        if (model.TextModel is { } text)
            Add(OnnxTowerExport.WriteText(text, Path.Combine(outputFolder, immich ? "textual/model.onnx" : $"onnx/text_model{suffix}.onnx"), options));

        if (!immich)
        {
            foreach (var name in CheckpointFiles) Copy(checkpointFolder, name, outputFolder, name, written);
            return written;
        }
        AtomicFile.WriteAllText(Path.Combine(outputFolder, "config.json"), OpenClipConfig(model).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        written.Add("config.json");
        if (model.VisionModel is not null)
        {
            string preprocessor = Path.Combine(checkpointFolder, "preprocessor_config.json");
            if (!File.Exists(preprocessor))
                throw new Siglip2Exception($"no preprocessor_config.json in {checkpointFolder}: Immich's preprocess_cfg.json is made from it");
            AtomicFile.WriteAllText(Path.Combine(outputFolder, "visual/preprocess_cfg.json"),
                PreprocessCfg(PreprocessorConfig.Load(preprocessor)).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            written.Add("visual/preprocess_cfg.json");
        }
        if (model.TextModel is not null)
            foreach (var name in TokenizerFiles) Copy(checkpointFolder, name, outputFolder, "textual/" + name, written);
        return written;
    }

    /// <summary>
    /// Immich's preprocess_cfg.json (open_clip's PreprocessCfg): the processor's size, mean, std and resampling;
    /// SigLIP processors resize straight to the target size ("squash"), without a crop.
    /// </summary>
    public static JsonObject PreprocessCfg(PreprocessorConfig pc)
    {
        if (pc.Kind == ImageProcessorKind.NaFlex)
            throw new Siglip2Exception("a NaFlex processor has no fixed image size for Immich's preprocess_cfg.json");
        return new JsonObject
        {
            ["size"] = new JsonArray(pc.Height, pc.Width),
            ["mode"] = "RGB",
            ["mean"] = new JsonArray(pc.ImageMean.Select(v => (JsonNode)v).ToArray()),
            ["std"] = new JsonArray(pc.ImageStd.Select(v => (JsonNode)v).ToArray()),
            ["interpolation"] = pc.Resample switch
            {
                ResampleFilter.Bicubic => "bicubic",
                ResampleFilter.Bilinear => "bilinear",
                ResampleFilter.Nearest => "nearest",
                var other => throw new Siglip2Exception($"Immich resizes with bicubic, bilinear or nearest; this processor uses {other}"),
            },
            ["resize_mode"] = "squash",
            ["fill_color"] = 0,
        };
    }

    /// <summary>The open_clip-style model config Immich reads (it uses text_cfg.context_length).</summary>
    public static JsonObject OpenClipConfig(Siglip2Model model)
    {
        var config = new JsonObject();
        if (model.VisionModel is { } v)
        {
            var c = v.Config;
            config["embed_dim"] = c.HiddenSize;
            config["vision_cfg"] = new JsonObject
            {
                ["image_size"] = c.ImageSize, ["patch_size"] = c.PatchSize, ["width"] = c.HiddenSize,
                ["layers"] = c.NumHiddenLayers, ["heads"] = c.NumAttentionHeads, ["mlp_ratio"] = (double)c.IntermediateSize / c.HiddenSize,
            };
        }
        if (model.TextModel is { } t)
        {
            var c = t.Config;
            config["embed_dim"] ??= c.ProjectionSize;
            config["text_cfg"] = new JsonObject
            {
                ["context_length"] = c.MaxPositionEmbeddings, ["vocab_size"] = c.VocabSize, ["width"] = c.HiddenSize,
                ["layers"] = c.NumHiddenLayers, ["heads"] = c.NumAttentionHeads,
            };
        }
        config["siglip2_net"] = new JsonObject { ["exported_by"] = "Siglip2.NET", ["model_type"] = model.Config.ModelType };
        return config;
    }

    private static void Copy(string fromFolder, string name, string toFolder, string toName, List<string> written)
    {
        string source = Path.Combine(fromFolder, name);
        if (!File.Exists(source)) return;
        AtomicFile.Write(Path.Combine(toFolder, toName), stream =>
        {
            using var input = File.OpenRead(source);
            input.CopyTo(stream);
        });
        written.Add(toName);
    }

}
