using System.Text.Json;
using Siglip2.Configuration;

namespace Siglip2.Tasks.Evaluation;

/// <summary>
/// The ablation's cache of finished rows: row.json beside a row's checkpoint holds the row and the fingerprint of the
/// settings it was measured with (recipe, tokenizer hash, evaluation sizes; continuations: learner and teacher), so an
/// interrupted or repeated ablation reuses every row whose settings are unchanged.
/// </summary>
public static class AblationRowCache
{
    public const string RowFileName = "row.json";

    private sealed record CachedRow(string Fingerprint, AblationRow Row);

    public static AblationRow? Cached(string folder, string fingerprint)
    {
        string path = Path.Combine(folder, RowFileName);
        if (!File.Exists(path) || !File.Exists(Path.Combine(folder, "model.safetensors"))) return null;
        try
        {
            var c = JsonSerializer.Deserialize<CachedRow>(File.ReadAllText(path), RowJson);
            return c is not null && c.Fingerprint == fingerprint ? c.Row : null;
        }
        catch (JsonException) { return null; }
    }

    public static void SaveRow(string folder, string fingerprint, AblationRow row) =>
        AtomicFile.WriteAllText(Path.Combine(folder, RowFileName), JsonSerializer.Serialize(new CachedRow(fingerprint, row), RowJson) + "\n");

    /// <summary>NaN (not measured) is written as "NaN".</summary>
    private static readonly JsonSerializerOptions RowJson = new()
    {
        WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static string Fingerprint(object settings) => JsonSerializer.Serialize(settings);

    /// <summary>First 16 hex digits of the file's SHA-256 (a sharded checkpoint: of its index file).</summary>
    public static string FileHash(string path)
    {
        if (!File.Exists(path) && Path.GetFileName(path) == "model.safetensors")
            path = Path.Combine(Path.GetDirectoryName(path)!, Checkpoints.CheckpointLoader.IndexFileName);
        return Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path)))[..16];
    }
}
