using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Siglip2.Server.Endpoints;

/// <summary>
/// <c>POST /v1/embeddings</c>, the OpenAI embeddings API: <c>input</c> a string or an array of strings, where an item
/// that is a <c>data:image/…;base64,</c> URL is an image; <c>encoding_format</c> <c>float</c> (default) or
/// <c>base64</c> (little-endian float32); <c>truncate</c> (an extension, as in TEI) lets an over-long text be truncated instead of refused. Token counts are not reported (<c>usage</c> is zero).
/// </summary>
public static class OpenAiEmbeddings
{
    public static async Task<IResult> Handle(HttpContext context, EmbeddingBatcher batcher, ServerOptions options, string modelId)
    {
        using var doc = await Json.ReadBody(context);
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("input", out var input))
            throw ApiError.BadRequest("the body must be a JSON object with \"input\" (a string or an array of strings)");
        var items = input.ValueKind switch
        {
            JsonValueKind.String => [input.GetString()!],
            JsonValueKind.Array => input.EnumerateArray().Select((e, i) => e.ValueKind == JsonValueKind.String ? e.GetString()! : throw ApiError.BadRequest($"input[{i}] must be a string (a text or a data:image/...;base64, URL)")).ToList(),
            _ => throw ApiError.BadRequest("\"input\" must be a string or an array of strings"),
        };
        string format = root.TryGetProperty("encoding_format", out var f) && f.ValueKind == JsonValueKind.String ? f.GetString()! : "float";
        if (format is not ("float" or "base64")) throw ApiError.BadRequest($"encoding_format must be \"float\" or \"base64\", got \"{format}\"");
        var vectors = await Inputs.Embed(batcher, options, items.Select(Inputs.FromString).ToList(), Inputs.Truncate(root), context.RequestAborted);
        return Results.Json(new
        {
            @object = "list",
            data = vectors.Select((v, i) => new { @object = "embedding", index = i, embedding = format == "base64" ? (object)Convert.ToBase64String(System.Runtime.InteropServices.MemoryMarshal.AsBytes(v.AsSpan())) : v }),
            model = modelId,
            usage = new { prompt_tokens = 0, total_tokens = 0 },
        });
    }
}
