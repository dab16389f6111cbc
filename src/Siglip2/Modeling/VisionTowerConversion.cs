using TorchSharp;
using static TorchSharp.torch;

namespace Siglip2.Modeling;

/// <summary>Applies an <see cref="IVisionTowerConversion"/> to models and to named tensors (weights, optimizer moments).</summary>
public static class VisionTowerConversion
{
    /// <summary>Prefix of the image tower's tensors in a model (and in the EMA teacher).</summary>
    public const string TowerPrefix = "vision_model.";

    /// <summary>A new model of the converted config holding <paramref name="source"/>'s weights in the new layout.</summary>
    public static Siglip2Model Apply(Siglip2Model source, IVisionTowerConversion conversion)
    {
        var model = new Siglip2Model(conversion.ConvertConfig(source.Config));
        try
        {
            CopyInto(source, model, conversion);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Copies every tensor of <paramref name="source"/>'s state dict into the tensor of the same name of
    /// <paramref name="target"/>, image-tower tensors (<see cref="TowerPrefix"/>) converted.
    /// </summary>
    public static void CopyInto(nn.Module source, nn.Module target, IVisionTowerConversion conversion)
    {
        var from = source.state_dict();
        using var noGrad = torch.no_grad();
        foreach (var (name, t) in target.state_dict())
        {
            if (!from.TryGetValue(name, out var s))
                throw new Siglip2Exception($"cannot convert the model: the source has no tensor {name}");
            using var scope = NewDisposeScope();
            var converted = Convert(name, s, TensorRole.Weight, conversion);
            if (!converted.shape.SequenceEqual(t.shape))
                throw new Siglip2Exception($"cannot convert the model: {name} becomes [{string.Join(", ", converted.shape)}], the new layout needs [{string.Join(", ", t.shape)}]");
            t.copy_(converted);
        }
    }

    /// <summary>A named tensor (model or teacher naming) in the new layout; tensors outside the image tower are returned as they are.</summary>
    public static Tensor Convert(string name, Tensor value, TensorRole role, IVisionTowerConversion conversion) =>
        name.StartsWith(TowerPrefix, StringComparison.Ordinal)
            ? conversion.ConvertTensor(name[TowerPrefix.Length..], value, role)
            : value;
}
