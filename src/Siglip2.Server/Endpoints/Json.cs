using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Siglip2.Configuration;

namespace Siglip2.Server.Endpoints;

internal static class Json
{
    /// <summary>The request body as strict JSON (the body size is bounded by Kestrel's limit).</summary>
    public static async Task<JsonDocument> ReadBody(HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
        string text;
        try { text = InputFile.DecodeUtf8(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), "request body", "JSON"); }
        catch (Siglip2Exception e) { throw ApiError.BadRequest(e.Message); }
        try { return StrictJson.ParseDocument(text, "request body"); }
        catch (Siglip2Exception e) { throw ApiError.BadRequest(e.Message); }
    }
}
