using TorchSharp;
using static TorchSharp.torch;

namespace Siglip2.Modeling;

/// <summary>
/// Runs a fixed-resolution image tower with some patch embeddings replaced by a learned mask token (TIPS / iBOT
/// masked image modelling): patch convolution → where masked, the mask token instead of the patch embedding → plus
/// position embeddings → encoder → post_layernorm → MAP head. With no mask it equals
/// <see cref="SiglipVisionTransformer.Forward(Tensor, bool)"/>.
/// </summary>
public static class MaskedVisionForward
{
    /// <param name="tower">a fixed-resolution image tower.</param>
    /// <param name="pixelValues">(B, C, H, W).</param>
    /// <param name="masked">null or (B, S) bool, true where the patch is replaced.</param>
    /// <param name="maskToken">(D) learned mask embedding (needed when <paramref name="masked"/> is given).</param>
    public static TowerOutput Forward(SiglipVisionTransformer tower, Tensor pixelValues, Tensor? masked, Tensor? maskToken)
    {
        var embeddings = tower.FixedEmbeddings
            ?? throw new Siglip2Exception("masked image modelling is implemented for fixed-resolution image towers only");
        Tensor last;
        using (var scope = NewDisposeScope())
        {
            var patches = embeddings.PatchEmbedding.forward(pixelValues.to_type(embeddings.PatchEmbedding.weight!.dtype));
            var tokens = patches.flatten(2).transpose(1, 2);
            if (masked is not null)
            {
                if (maskToken is null) throw new ArgumentNullException(nameof(maskToken));
                tokens = torch.where(masked.unsqueeze(-1), maskToken.to_type(tokens.dtype).expand_as(tokens), tokens);
            }
            var x = tokens + embeddings.PositionEmbedding.weight!.unsqueeze(0);
            var encoded = tower.Encoder.Forward(x, null);
            last = tower.PostLayerNorm.forward(encoded).MoveToOuterDisposeScope();
        }
        var pooled = tower.Head?.Forward(last, null);
        return new TowerOutput { LastHiddenState = last, PoolerOutput = pooled };
    }

    /// <summary>
    /// (B, S) bool mask with exactly ⌊S·ratio⌋ masked patches per image, chosen by a seeded permutation per image.
    /// </summary>
    public static Tensor RandomMask(int batch, int patches, double ratio, Random rng)
    {
        int count = (int)Math.Floor(patches * ratio);
        var data = new bool[batch * patches];
        var order = new int[patches];
        for (int b = 0; b < batch; b++)
        {
            for (int i = 0; i < patches; i++) order[i] = i;
            rng.Shuffle(order);
            for (int i = 0; i < count; i++) data[b * patches + order[i]] = true;
        }
        return torch.tensor(data, [batch, patches]);
    }
}
