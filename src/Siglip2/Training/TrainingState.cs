using Siglip2.Configuration;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Siglip2.Training;

/// <summary>
/// <c>training_state.json</c>, saved beside the Hugging Face checkpoint (config.json + model.safetensors) and the
/// optimizer moments (<c>optimizer.bin</c>): everything else a resumed run needs to continue the same loss curve.
/// </summary>
public sealed record TrainingState
{
    public const string FileName = "training_state.json";
    public const string OptimizerFileName = "optimizer.bin";
    public const string FormatName = "siglip2-training-state";
    public const int CurrentVersion = 1;

    [JsonPropertyName("format")] public string Format { get; init; } = FormatName;
    [JsonPropertyName("version")] public int Version { get; init; } = CurrentVersion;
    /// <summary>Steps completed; the next step has 0-based index <see cref="Step"/>.</summary>
    [JsonPropertyName("step")] public long Step { get; init; }
    [JsonPropertyName("images_seen")] public long ImagesSeen { get; init; }
    [JsonPropertyName("options")] public required TrainingOptions Options { get; init; }
    /// <summary>Trainable parameter names in the optimizer's order (optimizer.bin stores moments by position).</summary>
    [JsonPropertyName("optimizer_parameters")] public required IReadOnlyList<string> OptimizerParameters { get; init; }
    [JsonPropertyName("learning_rate_next")] public double NextLearningRate { get; init; }

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public void Save(string folder) =>
        AtomicFile.WriteAllText(Path.Combine(folder, FileName), JsonSerializer.Serialize(this, Json) + "\n");

    public static TrainingState Load(string folder)
    {
        string path = Path.Combine(folder, FileName);
        if (!File.Exists(path))
            throw new Siglip2Exception($"{path} not found: this folder is not a training checkpoint (save one with Trainer.SaveCheckpoint)");
        TrainingState? state;
        try { state = JsonSerializer.Deserialize<TrainingState>(File.ReadAllText(path), Json); }
        catch (JsonException e) { throw new Siglip2Exception($"{path}: not a valid training state ({e.Message}); re-save the checkpoint"); }
        if (state is null || state.Format != FormatName)
            throw new Siglip2Exception($"{path}: not a {FormatName} file");
        if (state.Version != CurrentVersion)
            throw new Siglip2Exception($"{path}: training state version {state.Version} is not supported (this build reads version {CurrentVersion})");
        if (state.Step < 0)
            throw new Siglip2Exception($"{path}: step must be ≥ 0, got {state.Step}");
        state.Options.Validate();
        return state;
    }
}
