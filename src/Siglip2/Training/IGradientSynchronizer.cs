using TorchSharp.Modules;

namespace Siglip2.Training;

/// <summary>
/// Makes the gradients of a training step the same on every data-parallel rank, between <c>backward</c> and the
/// optimizer step. The trainer calls it with the model's trainable parameters in a fixed order (the same on every rank).
/// </summary>
public interface IGradientSynchronizer
{
    void Synchronize(IReadOnlyList<Parameter> parameters);
}
