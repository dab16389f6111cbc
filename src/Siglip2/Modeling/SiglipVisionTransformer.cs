using TorchSharp;
using Siglip2.Configuration;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Siglip2.Modeling;

/// <summary>
/// The image tower (weights under <c>vision_model.</c>): patch embeddings (fixed-resolution conv or NaFlex linear
/// with a resized position grid) → encoder → <c>post_layernorm</c> → MAP <c>head</c> (unless vision_use_head is false).
/// </summary>
public sealed class SiglipVisionTransformer : nn.Module
{
    // Field names are the Hugging Face weight names (TorchSharp registers modules by field name).
    private readonly nn.Module embeddings;
    private readonly SiglipEncoder encoder;
    private readonly LayerNorm post_layernorm;
    private readonly MultiheadAttentionPoolingHead? head;

    public VisionConfig Config { get; }
    public FixedResolutionPatchEmbeddings? FixedEmbeddings => embeddings as FixedResolutionPatchEmbeddings;
    public NaflexPatchEmbeddings? NaflexEmbeddings => embeddings as NaflexPatchEmbeddings;
    public SiglipEncoder Encoder => encoder;
    public LayerNorm PostLayerNorm => post_layernorm;
    public MultiheadAttentionPoolingHead? Head => head;

    public SiglipVisionTransformer(VisionConfig c) : base(nameof(SiglipVisionTransformer))
    {
        Config = c;
        embeddings = c.IsNaflex ? new NaflexPatchEmbeddings(c) : new FixedResolutionPatchEmbeddings(c);
        encoder = new SiglipEncoder(c.HiddenSize, c.IntermediateSize, c.NumAttentionHeads, c.NumHiddenLayers, c.LayerNormEps, c.HiddenAct);
        post_layernorm = nn.LayerNorm(c.HiddenSize, c.LayerNormEps);
        head = c.VisionUseHead ? new MultiheadAttentionPoolingHead(c) : null;
        RegisterComponents();
    }

    /// <summary>Fixed-resolution forward: <paramref name="pixelValues"/> (B, C, H, W).</summary>
    public TowerOutput Forward(Tensor pixelValues, bool outputHiddenStates = false)
    {
        if (FixedEmbeddings is null)
            throw new Siglip2Exception("this is a NaFlex image tower: pass pixel_values (B, N, C·p·p), pixel_attention_mask and spatial_shapes");
        var embeddings = FixedEmbeddings.Forward(pixelValues);
        return RunEncoder(embeddings, null, outputHiddenStates);
    }

    /// <summary>NaFlex forward: (B, N, C·p·p) patches, (B, N) mask (1 = real patch), (B, 2) spatial shapes.</summary>
    public TowerOutput Forward(Tensor pixelValues, Tensor pixelAttentionMask, Tensor spatialShapes, bool outputHiddenStates = false)
    {
        if (NaflexEmbeddings is null)
            throw new Siglip2Exception("this is a fixed-resolution image tower: pass pixel_values (B, C, H, W) only");
        var embeddings = NaflexEmbeddings.Forward(pixelValues, spatialShapes);
        using var mask = AttentionMask.ToAdditive(pixelAttentionMask, embeddings.dtype);
        return RunEncoder(embeddings, mask, outputHiddenStates);
    }

    /// <summary>Either forward, chosen by the input's layout (NaFlex when it has a patch mask).</summary>
    public TowerOutput Forward(VisionInput input, bool outputHiddenStates = false) => input.IsNaflex
        ? Forward(input.PixelValues, input.PixelAttentionMask!, input.SpatialShapes!, outputHiddenStates)
        : Forward(input.PixelValues, outputHiddenStates);

    private TowerOutput RunEncoder(Tensor embeddings, Tensor? additiveMask, bool outputHiddenStates)
    {
        var hidden = outputHiddenStates ? new List<Tensor>() : null;
        var encoded = Encoder.Forward(embeddings, additiveMask, hidden);
        if (hidden is null) embeddings.Dispose();
        var last = PostLayerNorm.forward(encoded);
        encoded.Dispose();
        var pooled = Head?.Forward(last, additiveMask);
        return new TowerOutput { LastHiddenState = last, PoolerOutput = pooled, HiddenStates = hidden };
    }

    public void SetAttentionImplementation(AttentionImplementation impl)
    {
        Encoder.SetAttentionImplementation(impl);
        if (Head != null) Head.Implementation = impl;
    }
}
