using System.Text.Json;
using Siglip2.Configuration;

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

    /// <summary>Reads a tokenizer_config.json: a regular file, strict UTF-8 JSON without duplicate keys, the fields read of the right types.</summary>
    public static TokenizerConfig Read(string path) =>
        Parse(InputFile.ReadAllText(path, "tokenizer_config.json", InputLimits.JsonConfigBytes), path);

    /// <summary>Parses tokenizer_config.json text; <paramref name="where"/> names the source in errors.</summary>
    public static TokenizerConfig Parse(string json, string where)
    {
        using var doc = StrictJson.ParseDocument(json, where);
        var r = doc.RootElement;
        if (r.ValueKind != JsonValueKind.Object)
            throw new Siglip2Exception($"{where}: a tokenizer config must be a JSON object, got {StrictJson.Show(r)}; fix or delete the file (the SigLIP 2 defaults are used without it)");
        double? maxLength = null;
        if (r.TryGetProperty("model_max_length", out var m) && m.ValueKind != JsonValueKind.Null)
        {
            if (m.ValueKind != JsonValueKind.Number || !m.TryGetDouble(out double v) || !double.IsFinite(v))
                throw Wrong(where, "model_max_length", "a number", m);
            maxLength = v;
        }
        return new TokenizerConfig(where,
            Bool(r, "add_bos_token", where), Bool(r, "add_eos_token", where),
            Token(r, "bos_token", where), Token(r, "eos_token", where), Token(r, "pad_token", where),
            maxLength, Str(r, "padding_side", where), Str(r, "tokenizer_class", where));
    }

    private static Siglip2Exception Wrong(string where, string name, string expected, JsonElement got) =>
        new($"{where}: {name} must be {expected}, got {StrictJson.Show(got)}; fix or delete the file (the SigLIP 2 defaults are used without it)");

    private static bool? Bool(JsonElement r, string name, string where)
    {
        if (!r.TryGetProperty(name, out var v)) return null;
        return v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.Null => null,
            _ => throw Wrong(where, name, "true or false", v),
        };
    }

    private static string? Str(JsonElement r, string name, string where)
    {
        if (!r.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        return v.ValueKind == JsonValueKind.String ? v.GetString()! : throw Wrong(where, name, "a string", v);
    }

    // A special token is either "<eos>" or {"content": "<eos>", ...} (AddedToken serialization); null means none.
    private static string? Token(JsonElement r, string name, string where)
    {
        if (!r.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        // (an unpaired surrogate escape cannot reach here: StrictJson.ParseDocument refuses it for the whole file)
        if (v.ValueKind == JsonValueKind.String) return v.GetString()!;
        if (v.ValueKind == JsonValueKind.Object && v.TryGetProperty("content", out var c) && c.ValueKind == JsonValueKind.String) return c.GetString()!;
        throw Wrong(where, name, "a token (a string or an object with a \"content\" string)", v);
    }
}
