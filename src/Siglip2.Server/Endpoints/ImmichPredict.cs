using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Siglip2.Configuration;
using Siglip2.Processing.Images;

namespace Siglip2.Server.Endpoints;

/// <summary>
/// Immich's machine-learning API, so Immich can use this server for smart search: <c>POST /predict</c> (multipart:
/// <c>entries</c> JSON and an <c>image</c> file or a <c>text</c> field), answering
/// <c>{"clip":"[…]","imageHeight":h,"imageWidth":w}</c> for <c>{"clip":{"visual":…}}</c> and <c>{"clip":"[…]"}</c> for
/// <c>{"clip":{"textual":…}}</c> (the embedding as a JSON array in a string, as Immich expects); <c>GET /ping</c> → pong.
/// The shapes follow Immich's server/src/repositories/machine-learning.repository.ts: the image is a blob part named
/// <c>image</c>, the text a form field <c>text</c>, <c>options.language</c> is accepted and not needed (SigLIP 2 is
/// multilingual). A long query is truncated, as Immich's own machine-learning service does.
/// </summary>
public static class ImmichPredict
{
    public static async Task<IResult> Handle(HttpContext context, EmbeddingBatcher batcher, ServerOptions options)
    {
        if (!context.Request.HasFormContentType) throw ApiError.BadRequest("POST /predict takes multipart/form-data with \"entries\" and an \"image\" file or a \"text\" field");
        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        string entriesText = form["entries"].FirstOrDefault() ?? throw ApiError.BadRequest("the form has no \"entries\" field");
        JsonDocument entries;
        try { entries = StrictJson.ParseDocument(entriesText, "entries"); }
        catch (Siglip2Exception e) { throw ApiError.BadRequest(e.Message); }
        using (entries)
        {
            if (entries.RootElement.ValueKind != JsonValueKind.Object || !entries.RootElement.TryGetProperty("clip", out var clip) || clip.ValueKind != JsonValueKind.Object)
                throw ApiError.BadRequest("entries must hold {\"clip\": {\"visual\": …}} or {\"clip\": {\"textual\": …}}; only CLIP-style search is served here");
            if (clip.TryGetProperty("visual", out _))
            {
                var file = form.Files["image"] ?? throw ApiError.BadRequest("a visual request needs an \"image\" file part");
                if (file.Length > options.MaxBodyBytes) throw new ApiError(413, "invalid_request_error", "the image is over the size limit");
                using var buffer = new MemoryStream();
                await file.CopyToAsync(buffer, context.RequestAborted);
                byte[] bytes = buffer.ToArray();
                (int Width, int Height) size; // from the header: the batcher decodes the pixels once
                try { size = ImageDecoder.ReadSize(bytes, file.FileName ?? "image"); }
                catch (Siglip2Exception e) { throw ApiError.BadRequest(e.Message); }
                var vector = (await Inputs.Embed(batcher, options, [(null, bytes)], false, context.RequestAborted))[0];
                return Results.Json(new Dictionary<string, object> { ["clip"] = Serialize(vector), ["imageHeight"] = size.Height, ["imageWidth"] = size.Width });
            }
            if (clip.TryGetProperty("textual", out _))
            {
                string text = form["text"].FirstOrDefault() ?? throw ApiError.BadRequest("a textual request needs a \"text\" field");
                var vector = (await Inputs.Embed(batcher, options, [(text, default)], truncate: true, context.RequestAborted))[0];
                return Results.Json(new Dictionary<string, object> { ["clip"] = Serialize(vector) });
            }
            throw ApiError.BadRequest("entries.clip must hold \"visual\" or \"textual\"");
        }
    }

    private static string Serialize(float[] v) => "[" + string.Join(",", v.Select(x => x.ToString("R", CultureInfo.InvariantCulture))) + "]";
}
