using static TorchSharp.torch;

namespace Siglip2.Training;

/// <summary>
/// A sigmoid loss: L2-normalised image embeddings (B, D) and text embeddings (B, D), the model's logit_scale t′ and
/// logit_bias b → a differentiable scalar. <see cref="SigmoidLoss.Compute"/> is one; a distributed loss that lets each
/// rank's images meet every rank's texts has the same signature.
/// </summary>
public delegate Tensor SigmoidLossFunction(Tensor imageEmbeds, Tensor textEmbeds, Tensor logitScale, Tensor logitBias);
