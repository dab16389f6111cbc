using Siglip2.Modeling;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Siglip2.Training;

/// <summary>
/// Initial weights for training a SigLIP / SigLIP 2 model from scratch, following Hugging Face
/// <c>SiglipPreTrainedModel._init_weights</c> / <c>Siglip2PreTrainedModel._init_weights</c> (which mirror big_vision):
/// <list type="bullet">
/// <item>image position embeddings ~ N(0, 1/width) (std 1/√width);</item>
/// <item>text token and position embeddings ~ N(0, 1/width) (Flax's default embedding init: variance scaling, fan-in, normal);</item>
/// <item>self-attention q/k/v/out weights: Xavier-uniform, biases 0;</item>
/// <item>MLP fc1/fc2 weights: Xavier-uniform, biases ~ N(0, 1e-6²);</item>
/// <item>MAP head: probe and in_proj_weight Xavier-uniform, in_proj_bias 0; its out_proj like any other Linear;</item>
/// <item>other Linear / Conv2d layers (patch embedding, text head, MAP out_proj): LeCun normal (normal with
///   std √(1/fan_in), truncated at ±2σ of the unit normal and rescaled by 1/0.8796… so the std stays √(1/fan_in)), biases 0;</item>
/// <item>LayerNorm: weight 1, bias 0;</item>
/// <item><c>logit_scale</c> t′ = log 10 and <c>logit_bias</c> b = −10 — the SigLIP paper's values (Hugging Face's
///   _init_weights sets 0 and 0 instead; the paper's bias keeps the many negatives from dominating the first steps).</item>
/// </list>
/// Fan-in/fan-out follow PyTorch's <c>_calculate_fan_in_and_fan_out</c>. Every random draw comes from one
/// <see cref="torch.Generator"/> seeded with the given seed, in a fixed order, so a seed always gives the same weights
/// (the global torch RNG is not touched).
/// </summary>
public static class ModelInitializer
{
    /// <summary>1 / std of the unit normal truncated to [−2, 2] (big_vision / Hugging Face lecun_normal_).</summary>
    public const double TruncatedNormalStdCorrection = 0.87962566103423978;

    /// <summary>erf(√2) = 2Φ(2) − 1: the unit normal's CDF at ±2 mapped to the (−1, 1) range of erfinv.</summary>
    private const double ErfOfSqrt2 = 0.95449973610364158;

    public static void Initialize(Siglip2Model model, long seed)
    {
        using var generator = new torch.Generator(unchecked((ulong)seed));
        using var noGrad = torch.no_grad();
        // Every parameter starts as NaN, so one this initializer does not cover is caught below.
        foreach (var p in model.parameters()) p.fill_(double.NaN);
        var ctx = new Context(generator);

        if (model.VisionModel is { } vision) InitializeVision(vision, ctx);
        if (model.TextModel is { } text) InitializeText(text, ctx);
        if (model.LogitScale is { } scale) ctx.Fill(scale, Math.Log(10.0));
        if (model.LogitBias is { } bias) ctx.Fill(bias, -10.0);

        var missed = model.named_parameters().Where(p => p.parameter.isnan().any().item<bool>()).Select(p => p.name).ToList();
        if (missed.Count > 0)
            throw new InvalidOperationException($"ModelInitializer does not know how to initialise: {string.Join(", ", missed)}");
    }

    private static void InitializeVision(SiglipVisionTransformer vision, Context ctx)
    {
        int width = vision.Config.HiddenSize;
        if (vision.FixedEmbeddings is { } fixedEmb)
        {
            ctx.LecunNormal(fixedEmb.PatchEmbedding.weight!);
            ctx.Zero(fixedEmb.PatchEmbedding.bias);
            ctx.Normal(fixedEmb.PositionEmbedding.weight!, 1.0 / Math.Sqrt(width));
        }
        else if (vision.NaflexEmbeddings is { } naflex)
        {
            ctx.LecunNormal(naflex.PatchEmbedding.weight!);
            ctx.Zero(naflex.PatchEmbedding.bias);
            ctx.Normal(naflex.PositionEmbedding.weight!, 1.0 / Math.Sqrt(width));
        }
        InitializeEncoder(vision.Encoder, ctx);
        ctx.LayerNorm(vision.PostLayerNorm);
        if (vision.Head is { } head)
        {
            ctx.XavierUniform(head.Probe);
            ctx.XavierUniform(head.Attention.InProjWeight);
            ctx.Zero(head.Attention.InProjBias);
            ctx.Linear(head.Attention.OutProj);
            ctx.LayerNorm(head.LayerNorm);
            ctx.Mlp(head.Mlp);
        }
    }

    private static void InitializeText(SiglipTextTransformer text, Context ctx)
    {
        // default_flax_embed_init: variance scaling (fan_in = width for a (rows, width) table), normal.
        ctx.Normal(text.TokenEmbedding.weight!, 1.0 / Math.Sqrt(text.Config.HiddenSize));
        ctx.Normal(text.PositionEmbedding.weight!, 1.0 / Math.Sqrt(text.Config.HiddenSize));
        InitializeEncoder(text.Encoder, ctx);
        ctx.LayerNorm(text.FinalLayerNorm);
        ctx.Linear(text.Head);
    }

    private static void InitializeEncoder(SiglipEncoder encoder, Context ctx)
    {
        foreach (var layer in encoder.Layers)
        {
            ctx.LayerNorm(layer.LayerNorm1);
            foreach (var proj in new[] { layer.SelfAttn.QProj, layer.SelfAttn.KProj, layer.SelfAttn.VProj, layer.SelfAttn.OutProj })
            {
                ctx.XavierUniform(proj.weight!);
                ctx.Zero(proj.bias);
            }
            ctx.LayerNorm(layer.LayerNorm2);
            ctx.Mlp(layer.Mlp);
        }
    }

    /// <summary>PyTorch's fan-in / fan-out of a weight: dim 1 / dim 0 times the receptive field (product of dims ≥ 2).</summary>
    public static (long FanIn, long FanOut) FanInFanOut(Tensor weight)
    {
        if (weight.dim() < 2)
            throw new ArgumentException($"fan-in/fan-out need a tensor with at least 2 dimensions, got [{string.Join(", ", weight.shape)}]");
        long receptive = 1;
        for (int i = 2; i < weight.dim(); i++) receptive *= weight.shape[i];
        return (weight.shape[1] * receptive, weight.shape[0] * receptive);
    }

    private sealed class Context(torch.Generator generator)
    {
        public void Fill(Tensor t, double value) { t.fill_(value); }

        public void Zero(Tensor? t)
        {
            if (t is null) return;
            t.zero_();
        }

        public void Normal(Tensor t, double std) { t.normal_(0.0, std, generator); }

        public void XavierUniform(Tensor t)
        {
            var (fanIn, fanOut) = FanInFanOut(t);
            double bound = Math.Sqrt(6.0 / (fanIn + fanOut));
            t.uniform_(-bound, bound, generator);
        }

        public void LecunNormal(Tensor t)
        {
            var (fanIn, _) = FanInFanOut(t);
            double std = Math.Sqrt(1.0 / fanIn) / TruncatedNormalStdCorrection;
            // Inverse-CDF sampling of the unit normal truncated to [−2, 2] (as PyTorch's trunc_normal_), then × std.
            t.uniform_(-ErfOfSqrt2, ErfOfSqrt2, generator);
            t.erfinv_().mul_(Math.Sqrt(2.0)).clamp_(-2.0, 2.0).mul_(std);
        }

        public void Linear(Linear linear)
        {
            LecunNormal(linear.weight!);
            Zero(linear.bias);
        }

        public void LayerNorm(LayerNorm norm)
        {
            Fill(norm.weight!, 1.0);
            Zero(norm.bias);
        }

        public void Mlp(SiglipMlp mlp)
        {
            XavierUniform(mlp.Fc1.weight!);
            XavierUniform(mlp.Fc2.weight!);
            Normal(mlp.Fc1.bias!, 1e-6);
            Normal(mlp.Fc2.bias!, 1e-6);
        }
    }
}
