using TorchSharp;
using static TorchSharp.torch;

namespace Siglip2.Modeling;

/// <summary>What an image tower returns (Hugging Face's BaseModelOutputWithPooling). Dispose to free the tensors.</summary>
public sealed class TowerOutput : IDisposable
{
    /// <summary>(B, S, D) after the final LayerNorm (post_layernorm / final_layer_norm).</summary>
    public required Tensor LastHiddenState { get; init; }
    /// <summary>(B, D') pooled feature (MAP head for images, head(last position) for text); null when the tower has no head.</summary>
    public Tensor? PoolerOutput { get; init; }
    /// <summary>Embeddings output then every layer's output (before the final LayerNorm), when requested.</summary>
    public IReadOnlyList<Tensor>? HiddenStates { get; init; }

    public void Dispose()
    {
        LastHiddenState.Dispose();
        PoolerOutput?.Dispose();
        if (HiddenStates != null) foreach (var t in HiddenStates) t.Dispose();
    }
}
