using System.Text.Json;

namespace Siglip2.Processing.Text;

/// <summary>The few fields of a Hugging Face <c>tokenizer_config.json</c> the SigLIP text pipeline reads.</summary>
public sealed record TokenizerConfig(
    string SourcePath,
    bool? AddBosToken,
    bool? AddEosToken,
    string? BosToken,
    string? EosToken,
    string? PadToken,
    double? ModelMaxLength,
    string? PaddingSide,
    string? TokenizerClass)
{
    /// <summary>
    /// A language-model config (Gemma's: <c>add_bos_token: true</c>, no <c>add_eos_token: true</c>) rather than a
    /// SigLIP 2 one (<c>add_bos_token: false</c>, <c>add_eos_token: true</c>).
    /// </summary>
    public bool IsLanguageModelConfig => AddBosToken == true && AddEosToken != true;

    public static TokenizerConfig Read(string path)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            var r = doc.RootElement;
            if (r.ValueKind != JsonValueKind.Object) throw new JsonException("the top level is not an object");
            return new TokenizerConfig(path,
                Bool(r, "add_bos_token"), Bool(r, "add_eos_token"),
                Token(r, "bos_token"), Token(r, "eos_token"), Token(r, "pad_token"),
                r.TryGetProperty("model_max_length", out var m) && m.ValueKind == JsonValueKind.Number ? m.GetDouble() : null,
                Str(r, "padding_side"), Str(r, "tokenizer_class"));
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            throw new Siglip2Exception($"Cannot read tokenizer config '{path}': {e.Message}. Fix or delete the file (the SigLIP 2 defaults are used without it).", e);
        }
    }

    private static bool? Bool(JsonElement r, string name) =>
        r.TryGetProperty(name, out var v) ? v.ValueKind switch { JsonValueKind.True => true, JsonValueKind.False => false, _ => null } : null;

    private static string? Str(JsonElement r, string name) =>
        r.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    // A special token is either "<eos>" or {"content": "<eos>", ...} (AddedToken serialization).
    private static string? Token(JsonElement r, string name)
    {
        if (!r.TryGetProperty(name, out var v)) return null;
        if (v.ValueKind == JsonValueKind.String) return v.GetString();
        if (v.ValueKind == JsonValueKind.Object && v.TryGetProperty("content", out var c) && c.ValueKind == JsonValueKind.String) return c.GetString();
        return null;
    }
}
