using System.Globalization;
using System.Text.Json;

namespace Siglip2.Configuration;

/// <summary>Which Hugging Face image processor a <c>preprocessor_config.json</c> describes.</summary>
public enum ImageProcessorKind
{
    /// <summary><c>SiglipImageProcessor</c>: resize to a fixed height × width, output (3, H, W).</summary>
    FixedResolution,

    /// <summary><c>Siglip2ImageProcessor</c> (NaFlex): aspect-preserving resize to at most max_num_patches patches.</summary>
    NaFlex,
}

/// <summary>
/// The image part of a Hugging Face <c>preprocessor_config.json</c> for SigLIP (<c>SiglipImageProcessor</c>) and
/// SigLIP 2 NaFlex (<c>Siglip2ImageProcessor</c>). Missing fields take the Hugging Face class defaults
/// (note: SiglipImageProcessor's class default resample is bicubic, 3; the official SigLIP 2 files say 2).
/// Unknown fields are ignored; wrong types or values throw <see cref="Siglip2Exception"/>.
/// </summary>
public sealed record PreprocessorConfig
{
    public required string ImageProcessorType { get; init; }
    public ImageProcessorKind Kind { get; init; }
    public bool DoResize { get; init; } = true;
    public bool DoRescale { get; init; } = true;
    public bool DoNormalize { get; init; } = true;

    /// <summary>Hugging Face's <c>do_convert_rgb</c> (null in the official files). Decoded images are always RGB here.</summary>
    public bool? DoConvertRgb { get; init; }

    public ResampleFilter Resample { get; init; } = ResampleFilter.Bilinear;
    public double RescaleFactor { get; init; } = 1.0 / 255.0;
    public IReadOnlyList<double> ImageMean { get; init; } = [0.5, 0.5, 0.5];
    public IReadOnlyList<double> ImageStd { get; init; } = [0.5, 0.5, 0.5];

    /// <summary>Fixed resolution only: output height (<c>size.height</c>).</summary>
    public int Height { get; init; } = 224;

    /// <summary>Fixed resolution only: output width (<c>size.width</c>).</summary>
    public int Width { get; init; } = 224;

    /// <summary>NaFlex only: patch side in pixels.</summary>
    public int PatchSize { get; init; } = 16;

    /// <summary>NaFlex only: the sequence length every image is padded to.</summary>
    public int MaxNumPatches { get; init; } = 256;

    private static readonly string[] FixedTypes = ["SiglipImageProcessor", "SiglipImageProcessorFast"];
    private static readonly string[] NaFlexTypes = ["Siglip2ImageProcessor", "Siglip2ImageProcessorFast"];

    /// <summary>Reads a <c>preprocessor_config.json</c> file.</summary>
    public static PreprocessorConfig Load(string path)
    {
        if (InputFile.KindOf(path) == InputFileKind.Missing)
            throw new Siglip2Exception($"Preprocessor config not found: {path}; check that the model folder holds preprocessor_config.json.");
        return Parse(InputFile.ReadAllText(path, "preprocessor config", InputLimits.JsonConfigBytes), path);
    }

    /// <summary>Parses the JSON text of a <c>preprocessor_config.json</c>; <paramref name="source"/> names it in errors.</summary>
    public static PreprocessorConfig Parse(string json, string source)
    {
        JsonDocument document;
        StrictJson.RequireWellFormedStrings(json, source);
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions
            {
                CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true, AllowDuplicateProperties = false, MaxDepth = 64,
            });
        }
        catch (JsonException e)
        {
            throw new Siglip2Exception($"Preprocessor config '{source}' is not valid JSON ({e.Message.Split('\n')[0].Split(" Path:")[0]}); fix or re-download the file.", e);
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new Siglip2Exception($"Preprocessor config '{source}' must be a JSON object; fix or re-download the file.");
            var reader = new FieldReader(root, source);

            string? type = reader.String("image_processor_type");
            if (type == null)
                throw new Siglip2Exception($"Preprocessor config '{source}' has no \"image_processor_type\"; expected SiglipImageProcessor or Siglip2ImageProcessor.");
            ImageProcessorKind kind;
            if (FixedTypes.Contains(type)) kind = ImageProcessorKind.FixedResolution;
            else if (NaFlexTypes.Contains(type)) kind = ImageProcessorKind.NaFlex;
            else
                throw new Siglip2Exception(
                    $"Preprocessor config '{source}' has image_processor_type \"{type}\", which is not supported; expected SiglipImageProcessor (fixed resolution) or Siglip2ImageProcessor (NaFlex).");

            var defaultResample = kind == ImageProcessorKind.FixedResolution ? ResampleFilter.Bicubic : ResampleFilter.Bilinear;
            int resampleCode = reader.Int("resample") ?? (int)defaultResample;
            if (resampleCode < 0 || resampleCode > 5)
                throw new Siglip2Exception(
                    $"Preprocessor config '{source}' has resample {resampleCode}; expected a Pillow filter code 0-5 (0 nearest, 1 lanczos, 2 bilinear, 3 bicubic, 4 box, 5 hamming).");

            double rescale = reader.Double("rescale_factor") ?? 1.0 / 255.0;
            if (!double.IsFinite(rescale) || rescale <= 0)
                throw new Siglip2Exception($"Preprocessor config '{source}' has rescale_factor {rescale.ToString(CultureInfo.InvariantCulture)}; expected a positive number such as 0.00392156862745098 (1/255).");

            var mean = reader.PerChannel("image_mean") ?? [0.5, 0.5, 0.5];
            var std = reader.PerChannel("image_std") ?? [0.5, 0.5, 0.5];
            if (mean.Any(m => !double.IsFinite(m)))
                throw new Siglip2Exception($"Preprocessor config '{source}' has a non-finite image_mean; expected three numbers.");
            if (std.Any(s => !double.IsFinite(s) || s == 0 || (float)s == 0f))
                throw new Siglip2Exception($"Preprocessor config '{source}' has an image_std of zero or not finite; expected three non-zero numbers.");

            RequireFinitePixels(source, reader.Bool("do_rescale") ?? true, rescale, reader.Bool("do_normalize") ?? true, mean, std);

            var config = new PreprocessorConfig
            {
                ImageProcessorType = type,
                Kind = kind,
                DoResize = reader.Bool("do_resize") ?? true,
                DoRescale = reader.Bool("do_rescale") ?? true,
                DoNormalize = reader.Bool("do_normalize") ?? true,
                DoConvertRgb = reader.Bool("do_convert_rgb"),
                Resample = (ResampleFilter)resampleCode,
                RescaleFactor = rescale,
                ImageMean = mean,
                ImageStd = std,
            };

            if (kind == ImageProcessorKind.FixedResolution)
            {
                int height = 224, width = 224;
                if (root.TryGetProperty("size", out var size) && size.ValueKind != JsonValueKind.Null)
                {
                    if (size.ValueKind != JsonValueKind.Object)
                        throw new Siglip2Exception($"Preprocessor config '{source}' has \"size\" {StrictJson.Show(size)}; SiglipImageProcessor needs {{\"height\": H, \"width\": W}}.");
                    var sizeReader = new FieldReader(size, source, "size.");
                    int? h = sizeReader.Int("height"), w = sizeReader.Int("width");
                    if (h == null || w == null)
                        throw new Siglip2Exception($"Preprocessor config '{source}' has \"size\" {StrictJson.Show(size)}; SiglipImageProcessor needs {{\"height\": H, \"width\": W}} (shortest_edge is not supported by it).");
                    height = h.Value;
                    width = w.Value;
                }
                if (height <= 0 || width <= 0 || height > 16384 || width > 16384)
                    throw new Siglip2Exception($"Preprocessor config '{source}' has size {height}x{width}; expected positive sizes up to 16384.");
                config = config with { Height = height, Width = width };
            }
            else
            {
                int patch = reader.Int("patch_size") ?? 16;
                int maxPatches = reader.Int("max_num_patches") ?? 256;
                if (patch <= 0 || patch > 1024)
                    throw new Siglip2Exception($"Preprocessor config '{source}' has patch_size {patch}; expected a positive patch side such as 16.");
                if (maxPatches <= 0 || maxPatches > 1_000_000)
                    throw new Siglip2Exception($"Preprocessor config '{source}' has max_num_patches {maxPatches}; expected a positive count such as 256.");
                config = config with { PatchSize = patch, MaxNumPatches = maxPatches };
            }
            return config;
        }
    }

    /// <summary>
    /// Refuses settings whose float32 pixel values overflow (e.g. rescale_factor 1e308): the processors compute
    /// (v·rescale − mean) / std per channel value v in 0…255, an affine map of v, so its extremes are at v = 0 and 255.
    /// </summary>
    private static void RequireFinitePixels(string source, bool doRescale, double rescale, bool doNormalize, double[] mean, double[] std)
    {
        for (int c = 0; c < 3; c++)
            foreach (int v in (ReadOnlySpan<int>)[0, 255])
            {
                float x = doRescale ? (float)(v * rescale) : v;
                if (doNormalize) x = (x - (float)mean[c]) / (float)std[c];
                if (!float.IsFinite(x))
                    throw new Siglip2Exception(
                        $"Preprocessor config '{source}' maps pixel value {v} of channel {c} to {x} in float32 (rescale_factor {rescale.ToString(CultureInfo.InvariantCulture)}, image_mean {mean[c].ToString(CultureInfo.InvariantCulture)}, image_std {std[c].ToString(CultureInfo.InvariantCulture)}); expected settings such as rescale_factor 1/255, mean 0.5, std 0.5.");
            }
    }

    /// <summary>Typed access to optional fields with one-line errors; JSON null counts as absent.</summary>
    private readonly struct FieldReader(JsonElement obj, string source, string prefix = "")
    {
        private JsonElement? Get(string name) =>
            obj.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null ? v : null;

        private Siglip2Exception Wrong(string name, JsonElement v, string expected) =>
            new($"Preprocessor config '{source}' has \"{prefix}{name}\": {StrictJson.Show(v)}; expected {expected}.");

        public string? String(string name)
        {
            if (Get(name) is not { } v) return null;
            return v.ValueKind == JsonValueKind.String ? v.GetString() : throw Wrong(name, v, "a string");
        }

        public bool? Bool(string name)
        {
            if (Get(name) is not { } v) return null;
            return v.ValueKind switch
            {
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                _ => throw Wrong(name, v, "true or false"),
            };
        }

        public int? Int(string name)
        {
            if (Get(name) is not { } v) return null;
            if (v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int i)) return i;
            throw Wrong(name, v, "an integer");
        }

        public double? Double(string name)
        {
            if (Get(name) is not { } v) return null;
            if (v.ValueKind == JsonValueKind.Number && v.TryGetDouble(out double d)) return d;
            throw Wrong(name, v, "a number");
        }

        /// <summary>A number (used for all three channels, as Hugging Face allows) or a list of three numbers.</summary>
        public double[]? PerChannel(string name)
        {
            if (Get(name) is not { } v) return null;
            if (v.ValueKind == JsonValueKind.Number && v.TryGetDouble(out double d)) return [d, d, d];
            if (v.ValueKind == JsonValueKind.Array && v.GetArrayLength() == 3)
            {
                var values = new double[3];
                int i = 0;
                foreach (var e in v.EnumerateArray())
                {
                    if (e.ValueKind != JsonValueKind.Number || !e.TryGetDouble(out values[i])) throw Wrong(name, v, "three finite numbers (one per RGB channel)");
                    i++;
                }
                return values;
            }
            throw Wrong(name, v, "three numbers (one per RGB channel)");
        }
    }
}
