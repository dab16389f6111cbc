using System.Text.Json;
using System.Text.Json.Nodes;

namespace Siglip2.Configuration;

/// <summary>
/// Parses the JSON files users hand over (config.json, preprocessor_config.json, manifests) strictly: valid UTF-8,
/// no duplicate keys (a silent "last one wins" would hide a broken file), bounded nesting, and one-line errors that
/// name the file and the position.
/// </summary>
public static class StrictJson
{
    public static readonly JsonDocumentOptions DocumentOptions = new()
    {
        AllowDuplicateProperties = false,
        MaxDepth = 64,
        CommentHandling = JsonCommentHandling.Disallow,
    };

    private static readonly JsonNodeOptions NodeOptions = new() { PropertyNameCaseInsensitive = false };

    /// <summary>Reads and parses a regular JSON file of at most <paramref name="maxBytes"/> bytes.</summary>
    public static JsonNode? ReadFile(string path, string what, long maxBytes = InputLimits.JsonConfigBytes) =>
        ParseNode(InputFile.ReadAllText(path, what, maxBytes), path);

    /// <summary>Parses JSON text into a node tree; <paramref name="where"/> names the source in errors.</summary>
    public static JsonNode? ParseNode(string json, string where)
    {
        try
        {
            RequireWellFormedStrings(json, where);
            return JsonNode.Parse(json, NodeOptions, DocumentOptions);
        }
        catch (JsonException e)
        {
            throw new Siglip2Exception($"{where}: not valid JSON ({Describe(e)}); fix or re-download the file", e);
        }
    }

    /// <summary>Parses JSON text into a document; <paramref name="where"/> names the source in errors.</summary>
    public static JsonDocument ParseDocument(string json, string where)
    {
        try
        {
            RequireWellFormedStrings(json, where);
            return JsonDocument.Parse(json, DocumentOptions);
        }
        catch (JsonException e)
        {
            throw new Siglip2Exception($"{where}: not valid JSON ({Describe(e)}); fix or re-download the file", e);
        }
    }

    /// <summary>
    /// JSON lets a string escape an unpaired surrogate (<c>"\ud800"</c>), which is no Unicode text: reading such a
    /// string or key later throws InvalidOperationException deep in a reader. Checked once here, in one pass over the
    /// escaped strings only (a vocabulary of 256k plain pieces costs one scan). Called before parsing, because the
    /// parser's duplicate-key check reads the keys and throws the same way (a fuzzing finding); a syntax error is left
    /// to the parser, which reports it with its position.
    /// </summary>
    public static void RequireWellFormedStrings(string json, string where)
    {
        if (!json.Contains("\\u", StringComparison.OrdinalIgnoreCase)) return;
        var reader = new Utf8JsonReader(System.Text.Encoding.UTF8.GetBytes(json), new JsonReaderOptions { MaxDepth = DocumentOptions.MaxDepth, CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        while (TryRead(ref reader))
        {
            if (reader.TokenType is not (JsonTokenType.String or JsonTokenType.PropertyName) || !reader.ValueIsEscaped) continue;
            try { reader.GetString(); }
            catch (InvalidOperationException)
            {
                throw new Siglip2Exception($"{where}: a {(reader.TokenType == JsonTokenType.PropertyName ? "key" : "string")} near byte {reader.TokenStartIndex + 1:N0} escapes an unpaired UTF-16 surrogate (\\uD800–\\uDFFF without its pair), which is not text; fix or re-download the file");
            }
        }
    }

    private static bool TryRead(ref Utf8JsonReader reader)
    {
        try { return reader.Read(); }
        catch (JsonException) { return false; }
    }

    /// <summary>A JSON value for an error message: compact, on one line, at most <paramref name="max"/> characters.</summary>
    public static string Show(JsonNode? node, int max = 80) => Shorten(node?.ToJsonString() ?? "null", max);

    /// <summary>A JSON element for an error message: compact, on one line, at most <paramref name="max"/> characters.</summary>
    public static string Show(JsonElement element, int max = 80)
    {
        string text;
        try { text = JsonSerializer.Serialize(element); }
        catch (Exception e) when (e is InvalidOperationException or JsonException) { text = element.ValueKind.ToString(); }
        return Shorten(text, max);
    }

    private static string Shorten(string text, int max)
    {
        text = text.Replace('\n', ' ').Replace('\r', ' ');
        return text.Length <= max ? text : text[..(max - 1)] + "…";
    }

    private static string Describe(JsonException e)
    {
        string message = e.Message.Split('\n')[0].Trim();
        // System.Text.Json appends " Path: $ | LineNumber: 0 | BytePositionInLine: 3."; keep it short and 1-based.
        int cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        if (cut < 0) cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        if (cut > 0) message = message[..cut].TrimEnd();
        if (e.LineNumber is { } line)
            message += $" at line {line + 1}" + (e.BytePositionInLine is { } col ? $", column {col + 1}" : "");
        return message;
    }
}
