using TorchSharp;
using static TorchSharp.torch;

namespace Siglip2.Tasks;

/// <summary>
/// The last line of defence against silent wrong answers: an embedding, logit or probability that is NaN or Inf is
/// never returned as a result. Finite weights can still overflow (e.g. 3e38 everywhere, or a logit_scale whose exp
/// exceeds float32), so the outputs are checked, one vectorised reduction per batch.
/// </summary>
public static class FiniteOutputs
{
    /// <summary>Throws when <paramref name="values"/> (rows = inputs) holds a NaN or an Inf, naming the first rows (1-based).</summary>
    public static void Require(Tensor values, string what, string modelFolder)
    {
        using var scope = NewDisposeScope();
        var finite = torch.isfinite(values);
        if (finite.all().item<bool>()) return;
        var rowsOk = values.dim() >= 2 ? finite.reshape(values.shape[0], -1).all(1) : finite;
        var badRows = torch.nonzero(rowsOk.logical_not()).reshape(-1).data<long>().ToArray();
        string rows = string.Join(", ", badRows.Take(5).Select(r => (r + 1).ToString()))
            + (badRows.Length > 5 ? $" and {badRows.Length - 5} more" : "");
        throw new Siglip2Exception(
            $"the model in {modelFolder} produced a non-finite {what} (NaN or Inf) for input {rows}: its weights or preprocessing overflow float32; check the checkpoint with `siglip2 verify` and its preprocessor_config.json");
    }
}
