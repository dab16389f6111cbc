using Siglip2.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Siglip2.Distributed.Host;

/// <summary>
/// The ring loss of this rank's shard of a seeded global batch, with its gradients. Rank 0 also writes the global
/// batch, so the test computes the one-process reference (<see cref="SigmoidLoss.Compute"/>) from the same numbers.
/// </summary>
internal static class RingLossScenario
{
    public static void Run(IProcessGroup group, HostOutput output, HostOptions options)
    {
        var dtype = options.String("dtype", "float32") == "float64" ? ScalarType.Float64 : ScalarType.Float32;
        var batch = SeededBatch.Create(group, options.Long("seed", 1), options.Long("batch", 8), options.Long("dim", 16), dtype);
        var images = batch.Images.narrow(0, batch.Start, batch.Count).clone().requires_grad_(true);
        var texts = batch.Texts.narrow(0, batch.Start, batch.Count).clone().requires_grad_(true);
        var scale = batch.LogitScale.clone().requires_grad_(true);
        var bias = batch.LogitBias.clone().requires_grad_(true);
        var loss = new RingSigmoidLoss(group).Compute(images, texts, scale, bias);
        loss.backward();

        output.Add("start", batch.Start);
        output.Add("count", batch.Count);
        output.Add("loss", loss.to_type(ScalarType.Float64).item<double>());
        output.Add("imageGrad", SeededBatch.Flat(images.grad!));
        output.Add("textGrad", SeededBatch.Flat(texts.grad!));
        output.Add("scaleGrad", SeededBatch.Flat(scale.grad!)[0]);
        output.Add("biasGrad", SeededBatch.Flat(bias.grad!)[0]);
        if (group.Rank == 0)
        {
            output.Add("images", SeededBatch.Flat(batch.Images));
            output.Add("texts", SeededBatch.Flat(batch.Texts));
            output.Add("logitScale", SeededBatch.Flat(batch.LogitScale)[0]);
            output.Add("logitBias", SeededBatch.Flat(batch.LogitBias)[0]);
        }
        output.Write();
    }
}
