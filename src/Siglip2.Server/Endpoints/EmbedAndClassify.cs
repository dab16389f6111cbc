using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Siglip2.Tasks;

namespace Siglip2.Server.Endpoints;

/// <summary>
/// <c>POST /embed</c>: <c>{"texts": [...], "images": [base64 or data URL, ...], "truncate": false}</c> → <c>{"texts": [[…]], "images": [[…]]}</c>;
/// <c>POST /classify</c>: <c>{"image", "labels": [...], "template"}</c> → each label's sigmoid probability, most probable first.
/// </summary>
public static class EmbedAndClassify
{
    private static List<string> Strings(JsonElement root, string name, bool required)
    {
        if (!root.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null)
            return required ? throw ApiError.BadRequest($"\"{name}\" is missing") : [];
        if (v.ValueKind != JsonValueKind.Array) throw ApiError.BadRequest($"\"{name}\" must be an array of strings");
        return v.EnumerateArray().Select((e, i) => e.ValueKind == JsonValueKind.String ? e.GetString()! : throw ApiError.BadRequest($"{name}[{i}] must be a string")).ToList();
    }

    private static ReadOnlyMemory<byte> Image(string s)
    {
        if (s.StartsWith("data:", StringComparison.Ordinal)) return Inputs.FromString(s).Image;
        try { return Convert.FromBase64String(s); }
        catch (FormatException) { throw ApiError.BadRequest("an image must be base64 or a data:image URL"); }
    }

    public static async Task<IResult> Embed(HttpContext context, EmbeddingBatcher batcher, ServerOptions options)
    {
        using var doc = await Json.ReadBody(context);
        if (doc.RootElement.ValueKind != JsonValueKind.Object) throw ApiError.BadRequest("the body must be {\"texts\": [...], \"images\": [...]}");
        var texts = Strings(doc.RootElement, "texts", false);
        var images = Strings(doc.RootElement, "images", false).Select(Image).ToList();
        var items = texts.Select(t => ((string?)t, default(ReadOnlyMemory<byte>))).Concat(images.Select(i => ((string?)null, i))).ToList();
        var vectors = await Inputs.Embed(batcher, options, items, Inputs.Truncate(doc.RootElement), context.RequestAborted);
        return Results.Json(new { texts = vectors[..texts.Count], images = vectors[texts.Count..] });
    }

    public static async Task<IResult> Classify(HttpContext context, Siglip2Encoder encoder, ServerOptions options)
    {
        using var doc = await Json.ReadBody(context);
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("image", out var i) || i.ValueKind != JsonValueKind.String)
            throw ApiError.BadRequest("the body must be {\"image\": base64 or data URL, \"labels\": [...], \"template\": \"this is a photo of {}.\"}");
        var labels = Strings(root, "labels", true);
        string template = root.TryGetProperty("template", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()! : Siglip2Encoder.DefaultTemplate;
        if (labels.Count == 0) throw ApiError.BadRequest("\"labels\" is empty");
        if (labels.Count > options.MaxInputsPerRequest)
            throw new ApiError(413, "invalid_request_error", $"{labels.Count} labels in one request, over the limit of {options.MaxInputsPerRequest}; split the request");
        if (!template.Contains("{}", StringComparison.Ordinal)) throw ApiError.BadRequest("\"template\" must contain {} where the label goes");
        if (!Inputs.Truncate(root)) Inputs.RequireFit(encoder, labels.Select(l => template.Replace("{}", l, StringComparison.Ordinal)));
        var image = Image(i.GetString()!);
        var result = await Task.Run(() => encoder.Classify(image, labels, template, context.RequestAborted), context.RequestAborted);
        return Results.Json(result.Select(p => new { label = p.Label, probability = p.Probability, logit = p.Logit }));
    }
}
