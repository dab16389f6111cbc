using Siglip2.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Siglip2.Distributed.Host;

/// <summary>
/// The ring loss's gradient (autograd through the neighbour exchange) against central finite differences of the global
/// loss L = mean over ranks of ℓ_r, in float64. Every rank takes part in every evaluation; the rank holding a perturbed
/// row perturbs it. Per coordinate, rank 0 writes the analytic ∂L/∂θ (the owner's gradient / W, or the ranks' mean for
/// t′ and b) and the difference quotient (L(θ+h) − L(θ−h)) / 2h.
/// </summary>
internal static class FiniteDifferenceScenario
{
    private const double Step = 1e-6;

    public static void Run(IProcessGroup group, HostOutput output, HostOptions options)
    {
        long n = options.Long("batch", 6), dim = options.Long("dim", 5);
        var batch = SeededBatch.Create(group, options.Long("seed", 3), n, dim, ScalarType.Float64);
        var images = batch.Images.narrow(0, batch.Start, batch.Count).clone().requires_grad_(true);
        var texts = batch.Texts.narrow(0, batch.Start, batch.Count).clone().requires_grad_(true);
        var scale = batch.LogitScale.clone().requires_grad_(true);
        var bias = batch.LogitBias.clone().requires_grad_(true);
        var ring = new RingSigmoidLoss(group);
        ring.Compute(images, texts, scale, bias).backward();
        int w = group.Size;

        double GlobalLoss()
        {
            using var noGrad = torch.no_grad();
            double[] value = [ring.Compute(images, texts, scale, bias).item<double>()];
            group.AllReduceSum<double>(value);
            return value[0] / w;
        }

        double Sum(double local)
        {
            double[] value = [local];
            group.AllReduceSum<double>(value);
            return value[0];
        }

        var names = new List<string>();
        var analytic = new List<double>();
        var numeric = new List<double>();
        void Check(string name, Tensor? owned, long row, long column, Func<double> gradient)
        {
            double g = gradient();
            double plus, minus;
            using (torch.no_grad())
            {
                owned?[row, column].add_(Step);
                plus = GlobalLoss();
                owned?[row, column].sub_(2 * Step);
                minus = GlobalLoss();
                owned?[row, column].add_(Step);
            }
            names.Add(name);
            analytic.Add(g);
            numeric.Add((plus - minus) / (2 * Step));
        }

        for (long row = 0; row < n; row++)
        {
            long column = row % dim;
            bool mine = row >= batch.Start && row < batch.Start + batch.Count;
            long local = row - batch.Start;
            Check($"image[{row},{column}]", mine ? images : null, local, column,
                  () => Sum(mine ? images.grad![local, column].item<double>() / w : 0));
            Check($"text[{row},{column}]", mine ? texts : null, local, column,
                  () => Sum(mine ? texts.grad![local, column].item<double>() / w : 0));
        }
        Check("logit_scale", scale.view(1, 1), 0, 0, () => Sum(scale.grad!.item<double>()) / w);
        Check("logit_bias", bias.view(1, 1), 0, 0, () => Sum(bias.grad!.item<double>()) / w);

        output.Add("names", names);
        output.Add("analytic", analytic);
        output.Add("numeric", numeric);
        output.Write();
    }
}
