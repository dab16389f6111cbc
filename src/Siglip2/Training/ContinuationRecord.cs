using Siglip2.Configuration;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Siglip2.Training;

/// <summary>
/// <c>stage.json</c> of a continued run (<see cref="StageContinuation"/>): where it came from and the settings a
/// resumed continuation must reuse (variant, image size or patch budgets).
/// </summary>
public sealed record ContinuationRecord
{
    public const string FileName = "stage.json";
    public const string FormatName = "siglip2-stage-continuation";

    [JsonPropertyName("format")] public string Format { get; init; } = FormatName;
    [JsonPropertyName("variant")] public required StageVariant Variant { get; init; }
    /// <summary>The main run's folder (full path) and the snapshot the continuation started from.</summary>
    [JsonPropertyName("source_run")] public required string SourceRun { get; init; }
    [JsonPropertyName("snapshot")] public required string Snapshot { get; init; }
    [JsonPropertyName("start_step")] public required long StartStep { get; init; }
    [JsonPropertyName("total_steps")] public required long TotalSteps { get; init; }
    /// <summary>Fixed variant: the new square input side.</summary>
    [JsonPropertyName("image_size")] public int? ImageSize { get; init; }
    /// <summary>NaFlex variant: the max_num_patches values sampled per batch, and the seed of the draw.</summary>
    [JsonPropertyName("patch_budgets")] public IReadOnlyList<int>? PatchBudgets { get; init; }
    [JsonPropertyName("budget_seed")] public long BudgetSeed { get; init; }
    [JsonPropertyName("conversion")] public string Conversion { get; init; } = "";
    [JsonPropertyName("objectives")] public string Objectives { get; init; } = "";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping, Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) } };

    public void Save(string folder) => AtomicFile.WriteAllText(Path.Combine(folder, FileName), JsonSerializer.Serialize(this, Json) + "\n");

    public static bool Exists(string folder) => File.Exists(Path.Combine(folder, FileName));

    public static ContinuationRecord Load(string folder)
    {
        string path = Path.Combine(folder, FileName);
        if (!File.Exists(path)) throw new Siglip2Exception($"{path} not found: {folder} is not a continued run");
        ContinuationRecord? r;
        try { r = JsonSerializer.Deserialize<ContinuationRecord>(File.ReadAllText(path), Json); }
        catch (JsonException e) { throw new Siglip2Exception($"{path}: not a valid continuation record ({e.Message})"); }
        if (r is null || r.Format != FormatName) throw new Siglip2Exception($"{path}: not a {FormatName} file");
        return r;
    }
}
