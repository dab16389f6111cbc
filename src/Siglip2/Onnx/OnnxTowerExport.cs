using Siglip2.Modeling;
using Siglip2.Onnx.Proto;
using TorchSharp;

namespace Siglip2.Onnx;

/// <summary>What one tower export wrote.</summary>
public sealed record OnnxExportResult(string ModelPath, string? ExternalDataPath, long WeightBytes);

/// <summary>
/// Writes a loaded model's image and text towers as separate ONNX graphs (opset 20, dynamic batch and sequence axes,
/// weights as initializers) from the model's own weights: <see cref="VisionTowerGraph"/>, <see cref="TextTowerGraph"/>.
/// </summary>
public static class OnnxTowerExport
{
    public static OnnxExportResult WriteVision(SiglipVisionTransformer vision, string path, OnnxExportOptions? options = null)
    {
        options ??= new OnnxExportOptions();
        var model = BuildVision(vision, options.Precision, options.Interface);
        return Save(model, path, options);
    }

    public static OnnxExportResult WriteText(SiglipTextTransformer text, string path, OnnxExportOptions? options = null)
    {
        options ??= new OnnxExportOptions();
        var model = BuildText(text, options.Precision, options.Interface);
        return Save(model, path, options);
    }

    internal static ModelProto BuildVision(SiglipVisionTransformer vision, OnnxPrecision precision, OnnxGraphInterface names = OnnxGraphInterface.HuggingFace)
    {
        using var noGrad = torch.no_grad();
        var c = vision.Config;
        return OnnxModelFile.Wrap(VisionTowerGraph.Build(vision, precision, names), new Dictionary<string, string>
        {
            ["tower"] = "vision",
            ["layout"] = c.IsNaflex ? "naflex" : "fixed",
            ["precision"] = PrecisionName(precision),
            ["patch_size"] = c.PatchSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["image_size"] = c.ImageSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
    }

    internal static ModelProto BuildText(SiglipTextTransformer text, OnnxPrecision precision, OnnxGraphInterface names = OnnxGraphInterface.HuggingFace)
    {
        using var noGrad = torch.no_grad();
        return OnnxModelFile.Wrap(TextTowerGraph.Build(text, precision, names), new Dictionary<string, string>
        {
            ["tower"] = "text",
            ["precision"] = PrecisionName(precision),
            ["max_position_embeddings"] = text.Config.MaxPositionEmbeddings.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
    }

    public static string PrecisionName(OnnxPrecision precision) => precision == OnnxPrecision.Int8 ? "int8" : "fp32";

    private static OnnxExportResult Save(ModelProto model, string path, OnnxExportOptions options)
    {
        long bytes = OnnxModelFile.InitializerBytes(model.Graph);
        string? data = OnnxModelFile.Save(model, path, options.ExternalDataThreshold);
        return new OnnxExportResult(path, data, bytes);
    }
}
