using Siglip2.Modeling;
using TorchSharp.Modules;

namespace Siglip2.Training;

/// <summary>
/// Which parameters get weight decay. As big_vision (whose default decays only <c>kernel</c>s), decay applies to the
/// weight matrices of Linear / Conv layers and the MAP head's <c>in_proj_weight</c>; biases, LayerNorm scales,
/// token / position embedding tables, the MAP probe, <c>logit_scale</c> and <c>logit_bias</c> are not decayed.
/// </summary>
public static class ParameterGroups
{
    public static bool IsDecayed(string name, Parameter parameter)
    {
        if (parameter.dim() < 2) return false;                 // biases, LayerNorm, logit_scale / logit_bias
        if (name.EndsWith("in_proj_weight", StringComparison.Ordinal)) return true;
        if (!name.EndsWith(".weight", StringComparison.Ordinal)) return false;   // probe
        if (name.EndsWith("token_embedding.weight", StringComparison.Ordinal)) return false;
        if (name.EndsWith("position_embedding.weight", StringComparison.Ordinal)) return false;
        return true;                                             // q/k/v/out, fc1/fc2, patch_embedding, heads
    }

    /// <summary>(decayed, not decayed) parameters in the model's registration order, with their names.</summary>
    public static (List<(string Name, Parameter Parameter)> Decay, List<(string Name, Parameter Parameter)> NoDecay) Split(Siglip2Model model)
    {
        var decay = new List<(string, Parameter)>();
        var noDecay = new List<(string, Parameter)>();
        foreach (var (name, p) in model.named_parameters())
        {
            if (!p.requires_grad) continue;
            (IsDecayed(name, p) ? decay : noDecay).Add((name, p));
        }
        return (decay, noDecay);
    }
}
