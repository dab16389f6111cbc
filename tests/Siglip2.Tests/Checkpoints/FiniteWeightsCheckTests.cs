using Siglip2.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace Siglip2.Tests.Checkpoints;

/// <summary>
/// <see cref="CheckpointLoader.RequireFinite"/> decides by min/max; checked here against the definition (isnan/isinf per
/// element) for every floating dtype of checkpoints, signs of Inf, a NaN among finite values, and empty tensors.
/// </summary>
public class FiniteWeightsCheckTests
{
    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.Float16)]
    [InlineData(ScalarType.BFloat16)]
    [InlineData(ScalarType.Float64)]
    public void AgreesWithElementwiseIsFinite(ScalarType dtype)
    {
        float[] specials = [float.NaN, float.PositiveInfinity, float.NegativeInfinity, 0f];
        foreach (float special in specials)
            foreach (int at in new[] { 0, 17, 99 })
            {
                using var t = torch.randn(100, dtype: ScalarType.Float32);
                t[at] = torch.tensor(special);
                using var typed = t.to(dtype);
                var tensors = new Dictionary<string, Tensor> { ["w"] = typed, ["empty"] = torch.empty(0, 3, dtype: dtype), ["ids"] = torch.arange(5) };
                bool finite = torch.isfinite(typed).all().item<bool>();
                if (finite)
                    CheckpointLoader.RequireFinite(tensors, "m");
                else
                {
                    var e = Assert.Throws<Siglip2Exception>(() => CheckpointLoader.RequireFinite(tensors, "m"));
                    Assert.Contains("w (1 " + (float.IsNaN(special) ? "NaN" : "Inf") + " of 100)", e.Message);
                }
                Assert.Equal(special == 0f, finite);
            }
    }
}
