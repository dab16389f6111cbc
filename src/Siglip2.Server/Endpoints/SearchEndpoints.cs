using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Siglip2.Search;

namespace Siglip2.Server.Endpoints;

/// <summary>
/// Search over an index built by <c>siglip2 index</c>: <c>GET /search?q=…&amp;k=</c> (text), <c>POST /search</c> (an
/// image as the raw body, or JSON <c>{"image": base64 or data URL, "k"}</c>), and <c>GET /thumbnail?path=</c> — for
/// indexed files only, so no other path on the machine can be read. The rows are reloaded when the index changes.
/// </summary>
public sealed class SearchEndpoints(string db, EmbeddingBatcher batcher, ServerOptions options)
{
    private readonly object _gate = new();
    private long _generation = -1;
    private List<IndexedImage> _rows = [];
    private HashSet<string> _paths = [];
    private ExactSearch? _exact;
    private AnnIndex? _ann; // loaded once per generation, not per query

    private (List<IndexedImage> Rows, ExactSearch Exact, HashSet<string> Paths, AnnIndex? Ann) Current(out ImageIndexStore store)
    {
        store = ImageIndexStore.Open(db, create: false);
        lock (_gate)
        {
            if (store.Generation != _generation || _exact is null)
            {
                _rows = store.ReadAll().Where(r => r.Embedding is not null).ToList();
                _paths = _rows.Select(r => r.Path).ToHashSet(StringComparer.Ordinal);
                int dims = int.TryParse(store.GetMeta("dimensions"), out int d) ? d : _rows.FirstOrDefault()?.Embedding!.Length ?? 0;
                _exact = new ExactSearch(_rows, dims);
                // a search still running on the old index keeps it alive: it is left to the finalizer, not disposed here
                _ann = AnnIndex.Open(store, _rows.Count);
                _generation = store.Generation;
            }
            return (_rows, _exact, _paths, _ann);
        }
    }

    private IResult Top(float[] query, int k)
    {
        var (rows, exact, _, ann) = Current(out var store);
        using (store)
        {
            var hits = ann?.Top(rows, query, k) ?? exact.Top(query, k);
            return Results.Json(new
            {
                count = rows.Count,
                results = hits.Select(h => new { path = h.Path, score = h.Score, width = h.Width, height = h.Height, thumbnail = "/thumbnail?path=" + Uri.EscapeDataString(h.Path) }),
            });
        }
    }

    private static int K(string? text) =>
        text is null ? 20 : int.TryParse(text, out int k) && k is >= 1 and <= 1000 ? k : throw ApiError.BadRequest($"k must be an integer in 1…1000, got '{text}'");

    public async Task<IResult> ByText(HttpContext context)
    {
        string q = context.Request.Query["q"].FirstOrDefault() ?? throw ApiError.BadRequest("give the query as ?q=…");
        if (string.IsNullOrWhiteSpace(q)) throw ApiError.BadRequest("the query is empty");
        bool truncate = context.Request.Query["truncate"].FirstOrDefault() is "true" or "1";
        var vector = (await Inputs.Embed(batcher, options, [(q, default)], truncate, context.RequestAborted))[0];
        return Top(vector, K(context.Request.Query["k"].FirstOrDefault()));
    }

    public async Task<IResult> ByImage(HttpContext context)
    {
        ReadOnlyMemory<byte> image;
        int k = K(context.Request.Query["k"].FirstOrDefault());
        if (context.Request.ContentType?.StartsWith("application/json", StringComparison.Ordinal) == true)
        {
            using var doc = await Json.ReadBody(context);
            if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("image", out var i) || i.ValueKind != JsonValueKind.String)
                throw ApiError.BadRequest("the body must be {\"image\": \"<base64 or data:image URL>\", \"k\": 20}");
            string s = i.GetString()!;
            try { image = s.StartsWith("data:", StringComparison.Ordinal) ? Inputs.FromString(s).Image : Convert.FromBase64String(s); }
            catch (FormatException) { throw ApiError.BadRequest("\"image\" is not valid base64"); }
            if (doc.RootElement.TryGetProperty("k", out var kj)) k = K(kj.ToString());
        }
        else
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
            image = buffer.ToArray();
        }
        var vector = (await Inputs.Embed(batcher, options, [(null, image)], false, context.RequestAborted))[0];
        return Top(vector, k);
    }

    public IResult Thumbnail(HttpContext context)
    {
        string path = context.Request.Query["path"].FirstOrDefault() ?? throw ApiError.BadRequest("give ?path=");
        var (_, _, paths, _) = Current(out var store);
        store.Dispose();
        if (!paths.Contains(path)) throw new ApiError(404, "not_found", "no indexed image has this path");
        try { return Results.File(Siglip2.Search.Thumbnail.Jpeg(path), "image/jpeg"); }
        catch (Exception e) when (e is Siglip2Exception or IOException) { throw new ApiError(404, "not_found", "the indexed file can no longer be read: " + e.Message); }
    }
}
