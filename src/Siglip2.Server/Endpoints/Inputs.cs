namespace Siglip2.Server.Endpoints;

/// <summary>Turning request items into queued inputs, and awaiting their embeddings.</summary>
internal static class Inputs
{
    /// <summary>A text, or a <c>data:image/…;base64,</c> URL decoded to its bytes.</summary>
    public static (string? Text, ReadOnlyMemory<byte> Image) FromString(string item)
    {
        if (!item.StartsWith("data:", StringComparison.Ordinal)) return (item, default);
        int comma = item.IndexOf(',');
        string header = comma > 0 ? item[5..comma] : "";
        if (comma < 0 || !header.StartsWith("image/", StringComparison.Ordinal) || !header.EndsWith(";base64", StringComparison.Ordinal))
            throw ApiError.BadRequest($"a data URL must be data:image/<type>;base64,<data>, got '{item[..Math.Min(item.Length, 40)]}…'");
        try { return (null, Convert.FromBase64String(item[(comma + 1)..])); }
        catch (FormatException) { throw ApiError.BadRequest("a data:image URL holds invalid base64"); }
    }

    /// <summary>
    /// Queues the items and awaits their embeddings. A text over the model's length is refused (400) unless
    /// <paramref name="truncate"/> (the request's <c>"truncate": true</c>, as in TEI): then it keeps the first tokens
    /// and the EOS, as the reference processor does.
    /// </summary>
    public static async Task<float[][]> Embed(EmbeddingBatcher batcher, ServerOptions options, IReadOnlyList<(string? Text, ReadOnlyMemory<byte> Image)> items, bool truncate, CancellationToken cancel)
    {
        if (items.Count == 0) throw ApiError.BadRequest("no inputs");
        if (items.Count > options.MaxInputsPerRequest)
            throw new ApiError(413, "invalid_request_error", $"{items.Count} inputs in one request, over the limit of {options.MaxInputsPerRequest}; split the request");
        if (!truncate) RequireFit(batcher.Encoder, items.Select(i => i.Text));
        var pending = items.Select(i => new PendingInput(i.Text, i.Image, cancel)).ToList();
        if (!batcher.TryEnqueue(pending)) throw new ApiError(429, "rate_limit_error", "the server's queue is full; retry after a second");
        return await Task.WhenAll(pending.Select(p => p.Result.Task.WaitAsync(cancel)));
    }

    /// <summary>400 for the first text with more tokens than the model's length holds.</summary>
    public static void RequireFit(Siglip2.Tasks.Siglip2Encoder encoder, IEnumerable<string?> texts)
    {
        int index = 0;
        foreach (var text in texts)
        {
            if (text is not null)
            {
                var (tokens, capacity) = encoder.CountTokens(text);
                if (tokens > capacity)
                    throw ApiError.BadRequest($"text input {index} has {tokens} tokens, more than the {capacity} the model takes; shorten it or send \"truncate\": true");
            }
            index++;
        }
    }

    /// <summary>The body's optional <c>"truncate"</c> (default false); 400 when it is not a boolean.</summary>
    public static bool Truncate(System.Text.Json.JsonElement root) =>
        !root.TryGetProperty("truncate", out var t) || t.ValueKind is System.Text.Json.JsonValueKind.False or System.Text.Json.JsonValueKind.Null ? false
        : t.ValueKind == System.Text.Json.JsonValueKind.True ? true
        : throw ApiError.BadRequest("\"truncate\" must be true or false");
}
