using System.Text;
using Siglip2.Configuration;

namespace Siglip2.Data;

/// <summary>
/// Zero-shot prompt templates: each has one <c>{}</c> where the class name goes. Built-in sets:
/// <list type="bullet">
/// <item><c>clip80</c>: the 80 ImageNet templates of the CLIP paper (Radford et al. 2021), as OpenAI's
/// "Prompt_Engineering_for_ImageNet" notebook, open_clip (<c>zero_shot_metadata.OPENAI_IMAGENET_TEMPLATES</c>) and
/// big_vision (<c>prompt_engineering_constants.CLIP_PAPER_PROMPT_TEMPLATES</c>) list them, verbatim.</item>
/// <item><c>siglip</c>: what big_vision's zero-shot evaluator (<c>evaluators/proj/image_text/discriminative_classifier.py</c>,
/// the one SigLIP and SigLIP 2 report ImageNet with) uses by default: <c>prompt_templates="clip_paper"</c> — the 80 plus a
/// bare <c>{}</c> — canonicalised (<c>prompt_engineering._canonicalize</c>: <c>_</c> → space, ASCII punctuation removed
/// except the <c>{}</c>, lowercased, whitespace collapsed): 81 templates.</item>
/// <item><c>clip-best</c>: big_vision's shorter <c>CLIP_BEST_PROMPT_TEMPLATES</c> (the 7 the CLIP notebook selected plus
/// <c>{}</c>), canonicalised the same way: 8 templates.</item>
/// </list>
/// The lists were read from the sources above and written down here (data, not code).
/// </summary>
public static class PromptTemplates
{
    public const string Placeholder = "{}";

    /// <summary>The CLIP paper's 80 ImageNet templates, in its order.</summary>
    public static IReadOnlyList<string> Clip80 { get; } =
    [
        "a bad photo of a {}.", "a photo of many {}.", "a sculpture of a {}.", "a photo of the hard to see {}.",
        "a low resolution photo of the {}.", "a rendering of a {}.", "graffiti of a {}.", "a bad photo of the {}.",
        "a cropped photo of the {}.", "a tattoo of a {}.", "the embroidered {}.", "a photo of a hard to see {}.",
        "a bright photo of a {}.", "a photo of a clean {}.", "a photo of a dirty {}.", "a dark photo of the {}.",
        "a drawing of a {}.", "a photo of my {}.", "the plastic {}.", "a photo of the cool {}.",
        "a close-up photo of a {}.", "a black and white photo of the {}.", "a painting of the {}.", "a painting of a {}.",
        "a pixelated photo of the {}.", "a sculpture of the {}.", "a bright photo of the {}.", "a cropped photo of a {}.",
        "a plastic {}.", "a photo of the dirty {}.", "a jpeg corrupted photo of a {}.", "a blurry photo of the {}.",
        "a photo of the {}.", "a good photo of the {}.", "a rendering of the {}.", "a {} in a video game.",
        "a photo of one {}.", "a doodle of a {}.", "a close-up photo of the {}.", "a photo of a {}.",
        "the origami {}.", "the {} in a video game.", "a sketch of a {}.", "a doodle of the {}.",
        "a origami {}.", "a low resolution photo of a {}.", "the toy {}.", "a rendition of the {}.",
        "a photo of the clean {}.", "a photo of a large {}.", "a rendition of a {}.", "a photo of a nice {}.",
        "a photo of a weird {}.", "a blurry photo of a {}.", "a cartoon {}.", "art of a {}.",
        "a sketch of the {}.", "a embroidered {}.", "a pixelated photo of a {}.", "itap of the {}.",
        "a jpeg corrupted photo of the {}.", "a good photo of a {}.", "a plushie {}.", "a photo of the nice {}.",
        "a photo of the small {}.", "a photo of the weird {}.", "the cartoon {}.", "art of the {}.",
        "a drawing of the {}.", "a photo of the large {}.", "a black and white photo of a {}.", "the plushie {}.",
        "a dark photo of a {}.", "itap of a {}.", "graffiti of the {}.", "a toy {}.",
        "itap of my {}.", "a photo of a cool {}.", "a photo of a small {}.", "a tattoo of the {}.",
    ];

    /// <summary>big_vision's CLIP_BEST_PROMPT_TEMPLATES before canonicalisation.</summary>
    private static readonly string[] ClipBestRaw =
        ["itap of a {}.", "a bad photo of the {}.", "a origami {}.", "a photo of the large {}.", "a {} in a video game.", "art of the {}.", "a photo of the small {}.", "{}"];

    /// <summary>big_vision's default zero-shot set: the 80 plus <c>{}</c>, canonicalised.</summary>
    public static IReadOnlyList<string> Siglip { get; } = Clip80.Append(Placeholder).Select(Canonicalize).ToList();

    public static IReadOnlyList<string> ClipBest { get; } = ClipBestRaw.Select(Canonicalize).ToList();

    /// <summary>The names <see cref="Resolve"/> takes besides a file.</summary>
    public static IReadOnlyList<string> BuiltInNames { get; } = ["siglip", "clip80", "clip-best"];

    /// <summary>A built-in set by name, else the templates of the file at <paramref name="nameOrFile"/>.</summary>
    public static IReadOnlyList<string> Resolve(string nameOrFile) => nameOrFile switch
    {
        "siglip" => Siglip,
        "clip80" => Clip80,
        "clip-best" => ClipBest,
        _ when File.Exists(nameOrFile) => ReadFile(nameOrFile),
        _ => throw new Siglip2Exception($"templates '{nameOrFile}' is neither a built-in set ({string.Join(", ", BuiltInNames)}) nor an existing file (one template with {{}} per line)"),
    };

    /// <summary>One template per line (blank lines skipped), each with exactly one <c>{}</c>.</summary>
    public static IReadOnlyList<string> ReadFile(string path)
    {
        string text = InputFile.ReadAllText(path, "templates file", 16L << 20);
        var templates = new List<string>();
        int number = 0;
        foreach (var raw in text.Split('\n'))
        {
            number++;
            string line = raw.TrimEnd('\r');
            if (string.IsNullOrWhiteSpace(line)) continue;
            int first = line.IndexOf(Placeholder, StringComparison.Ordinal);
            if (first < 0 || line.IndexOf(Placeholder, first + 2, StringComparison.Ordinal) >= 0)
                throw new Siglip2Exception($"templates file {path}, line {number}: a template needs exactly one {{}} for the class name, got '{MessageText.Printable(line, 60)}'");
            templates.Add(line.Trim());
        }
        if (templates.Count == 0) throw new Siglip2Exception($"templates file {path} holds no templates (one per line, e.g. \"a photo of a {{}}.\")");
        return templates;
    }

    /// <summary>The prompt of <paramref name="template"/> for <paramref name="className"/>.</summary>
    public static string Apply(string template, string className) => template.Replace(Placeholder, className, StringComparison.Ordinal);

    /// <summary>
    /// big_vision's canonicalisation of a template (its <c>_canonicalize(text, keep_punctuation_exact_string="{}")</c>):
    /// underscores become spaces, ASCII punctuation is removed except the <c>{}</c> placeholder, the text is lowercased,
    /// whitespace runs become one space, and the ends are trimmed.
    /// </summary>
    public static string Canonicalize(string template)
    {
        var parts = template.Replace('_', ' ').Split(Placeholder);
        var sb = new StringBuilder();
        for (int i = 0; i < parts.Length; i++)
        {
            if (i > 0) sb.Append(Placeholder);
            foreach (char c in parts[i]) if (!IsAsciiPunctuation(c)) sb.Append(c);
        }
        string lowered = sb.ToString().ToLowerInvariant();
        return string.Join(' ', lowered.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
    }

    /// <summary>Python's <c>string.punctuation</c>: the printable ASCII characters that are neither letters, digits nor space.</summary>
    private static bool IsAsciiPunctuation(char c) => c is >= '!' and <= '~' && !char.IsAsciiLetterOrDigit(c);
}
