using System.Text.Json;
using Siglip2.Checkpoints;
using Siglip2.Configuration;
using Siglip2.Modeling;
using Siglip2.Training.Objectives;
using TorchSharp;

namespace Siglip2.Training;

/// <summary>
/// The one training-checkpoint format, written by <see cref="Trainer.SaveCheckpoint"/> and read by
/// <see cref="Trainer.Resume"/>: the Hugging Face checkpoint (config.json + model.safetensors: only the Siglip2Model,
/// so transformers and <see cref="CheckpointLoader"/> load it), <see cref="TrainingState.OptimizerFileName"/> (AdamW
/// moments), <see cref="TrainingState.FileName"/> (step, options, optimizer parameter order) and, when the run has
/// objectives beyond the sigmoid loss, <see cref="ObjectivesFileName"/> plus each term's own file
/// (<see cref="DecoderFileName"/>, <see cref="SelfDistillationFileName"/>).
/// </summary>
public static class TrainingCheckpoint
{
    public const string DecoderFileName = "locca_decoder.safetensors";
    public const string SelfDistillationFileName = "self_distillation.safetensors";
    public const string ObjectivesFileName = "objectives.json";

    /// <summary>objectives.json: the objectives and the LocCa decoder's vocabulary (0 without a decoder).</summary>
    private sealed record SavedObjectives(TrainingObjectives Objectives, int DecoderVocab);

    public static void WriteObjectives(string folder, TrainingObjectives objectives, int decoderVocab) =>
        AtomicFile.WriteAllText(Path.Combine(folder, ObjectivesFileName),
            JsonSerializer.Serialize(new SavedObjectives(objectives, decoderVocab), new JsonSerializerOptions { WriteIndented = true }) + "\n");

    /// <summary>The objectives of a checkpoint folder; a folder without objectives.json trained with the sigmoid loss alone.</summary>
    public static (TrainingObjectives Objectives, int DecoderVocab) ReadObjectives(string folder)
    {
        string path = Path.Combine(folder, ObjectivesFileName);
        if (!File.Exists(path)) return (new TrainingObjectives(), 0);
        SavedObjectives? saved;
        try { saved = JsonSerializer.Deserialize<SavedObjectives>(File.ReadAllText(path)); }
        catch (JsonException e) { throw new Siglip2Exception($"{path}: not a valid objectives file ({e.Message})"); }
        if (saved?.Objectives is null) throw new Siglip2Exception($"{path}: not a valid objectives file");
        return (saved.Objectives, saved.DecoderVocab);
    }

    /// <summary>The trained LocCa decoder of a checkpoint folder (locca_decoder.safetensors + objectives.json), or null when it has none.</summary>
    public static (LoccaDecoder Decoder, TrainingObjectives Objectives)? LoadDecoder(string folder, Siglip2Config config)
    {
        if (!File.Exists(Path.Combine(folder, DecoderFileName)) || !File.Exists(Path.Combine(folder, ObjectivesFileName))) return null;
        var (objectives, vocab) = ReadObjectives(folder);
        var decoder = LoccaTerm.CreateDecoder(config, objectives, vocab);
        try { LoadInto(decoder, Path.Combine(folder, DecoderFileName), ""); }
        catch { decoder.Dispose(); throw; }
        decoder.eval();
        return (decoder, objectives);
    }

    /// <summary>Copies every tensor of <paramref name="module"/>'s state dict from the safetensors file (names with <paramref name="prefix"/>).</summary>
    internal static void LoadInto(torch.nn.Module module, string path, string prefix)
    {
        if (!File.Exists(path)) throw new Siglip2Exception($"{path} not found: the training checkpoint is incomplete");
        using var f = SafeTensorsFile.Open(path);
        using var noGrad = torch.no_grad();
        foreach (var (name, t) in module.state_dict())
        {
            if (!f.Tensors.ContainsKey(prefix + name)) throw new Siglip2Exception($"{path}: tensor {prefix + name} is missing");
            using var src = f.ReadTensor(prefix + name);
            t.copy_(src);
        }
    }
}
