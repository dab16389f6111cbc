using static TorchSharp.torch;

namespace Siglip2.Training.Objectives;

/// <summary>One named, weighted part of the training loss: <see cref="Loss"/> is a differentiable scalar, added as weight·loss.</summary>
public readonly record struct LossComponent(string Name, Tensor Loss, double Weight);
