using Siglip2.Modeling;
using static TorchSharp.torch;

namespace Siglip2.Checkpoints;

/// <summary>Saves a model in the Hugging Face layout (config.json + model.safetensors) that <see cref="CheckpointLoader"/> and transformers load.</summary>
public static class CheckpointWriter
{
    public static void Save(Siglip2Model model, string folder, ScalarType? dtype = null)
    {
        Directory.CreateDirectory(folder);
        model.Config.Save(Path.Combine(folder, "config.json"));
        var state = model.state_dict();
        IEnumerable<KeyValuePair<string, Tensor>> tensors = state;
        if (dtype is { } dt)
            tensors = state.Select(kv => new KeyValuePair<string, Tensor>(kv.Key, kv.Value.dtype == dt ? kv.Value : kv.Value.to_type(dt)));
        SafeTensorsWriter.Save(Path.Combine(folder, CheckpointLoader.SingleFileName), tensors,
            new Dictionary<string, string> { ["format"] = "pt" });
    }
}
