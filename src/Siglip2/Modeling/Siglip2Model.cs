using Siglip2.Configuration;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Siglip2.Modeling;

/// <summary>
/// SigLIP / SigLIP 2 dual encoder (Hugging Face SiglipModel and Siglip2Model; also the single-tower
/// SiglipVisionModel / SiglipTextModel layouts). Weight names follow Hugging Face exactly:
/// <c>vision_model.*</c>, <c>text_model.*</c>, <c>logit_scale</c>, <c>logit_bias</c>.
/// Logits are exp(logit_scale)·⟨text, image⟩ + logit_bias on L2-normalised embeddings; probabilities are the
/// sigmoid of the logits (no softmax).
/// </summary>
public sealed class Siglip2Model : nn.Module
{
    // Field names are the Hugging Face weight names (TorchSharp registers components by field name).
    private readonly SiglipTextTransformer? text_model;
    private readonly SiglipVisionTransformer? vision_model;
    private readonly Parameter? logit_scale;
    private readonly Parameter? logit_bias;

    public Siglip2Config Config { get; }
    public SiglipVisionTransformer? VisionModel => vision_model;
    public SiglipTextTransformer? TextModel => text_model;
    public Parameter? LogitScale => logit_scale;
    public Parameter? LogitBias => logit_bias;

    public Siglip2Model(Siglip2Config config) : base(nameof(Siglip2Model))
    {
        config.Validate();
        Config = config;
        text_model = config.Text != null ? new SiglipTextTransformer(config.Text) : null;
        vision_model = config.Vision != null ? new SiglipVisionTransformer(config.Vision) : null;
        if (config.IsDualTower)
        {
            // Paper init: t' = log 10, b = -10 (a checkpoint overwrites both).
            logit_scale = new Parameter(torch.full(1, Math.Log(10.0), ScalarType.Float32));
            logit_bias = new Parameter(torch.full(1, -10.0, ScalarType.Float32));
        }
        RegisterComponents();
    }

    public SiglipVisionTransformer Vision => VisionModel ?? throw new Siglip2Exception($"this checkpoint ({Config.ModelType}) has no image tower");
    public SiglipTextTransformer Text => TextModel ?? throw new Siglip2Exception($"this checkpoint ({Config.ModelType}) has no text tower");

    /// <summary>L2-normalised image embeddings (B, D) from fixed-resolution pixel values (B, C, H, W).</summary>
    public Tensor EmbedImages(Tensor pixelValues)
    {
        using var output = Vision.Forward(pixelValues);
        return Normalize(RequirePooled(output));
    }

    /// <summary>L2-normalised image embeddings (B, D) from NaFlex inputs.</summary>
    public Tensor EmbedImages(Tensor pixelValues, Tensor pixelAttentionMask, Tensor spatialShapes)
    {
        using var output = Vision.Forward(pixelValues, pixelAttentionMask, spatialShapes);
        return Normalize(RequirePooled(output));
    }

    /// <summary>L2-normalised image embeddings (B, D) from fixed-resolution or NaFlex inputs.</summary>
    public Tensor EmbedImages(VisionInput input)
    {
        using var output = Vision.Forward(input);
        return Normalize(RequirePooled(output));
    }

    /// <summary>L2-normalised text embeddings (B, D) from (B, L) token ids.</summary>
    public Tensor EmbedTexts(Tensor inputIds, Tensor? attentionMask = null)
    {
        using var output = Text.Forward(inputIds, attentionMask);
        return Normalize(output.PoolerOutput!);
    }

    /// <summary>(logits_per_text (T, I), logits_per_image (I, T)) from normalised embeddings.</summary>
    public (Tensor PerText, Tensor PerImage) Logits(Tensor imageEmbeds, Tensor textEmbeds)
    {
        if (LogitScale is null || LogitBias is null)
            throw new Siglip2Exception("logits need a dual-tower checkpoint (logit_scale and logit_bias)");
        using var scope = NewDisposeScope();
        var perText = torch.matmul(textEmbeds, imageEmbeds.t()) * LogitScale.exp().to_type(textEmbeds.dtype)
                      + LogitBias.to_type(textEmbeds.dtype);
        var perImage = perText.t();
        return (perText.MoveToOuterDisposeScope(), perImage.MoveToOuterDisposeScope());
    }

    public static Tensor Normalize(Tensor x)
    {
        using var norm = x.norm(-1, true, 2);
        return x / norm;
    }

    private Tensor RequirePooled(TowerOutput output) =>
        output.PoolerOutput ?? throw new Siglip2Exception("this image tower has vision_use_head = false: it has no pooled embedding; use the per-patch features (last_hidden_state)");

    public void SetAttentionImplementation(AttentionImplementation impl)
    {
        VisionModel?.SetAttentionImplementation(impl);
        TextModel?.SetAttentionImplementation(impl);
    }
}
