using Siglip2.Modeling;
using static TorchSharp.torch;

namespace Siglip2.Training.Objectives;

/// <summary>
/// What every term of one step sees: the model, the batch, the image tower's output on the batch's images (computed
/// once per step), and the L2-normalised image and text embeddings of the pairs.
/// </summary>
public sealed record TermInputs(Siglip2Model Model, RecipeBatch Batch, TowerOutput Tower, Tensor ImageEmbeds, Tensor TextEmbeds, long Step);
