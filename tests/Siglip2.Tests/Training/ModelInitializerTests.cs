using Siglip2.Configuration;
using Siglip2.Modeling;
using Siglip2.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Siglip2.Tests.Training;

public class ModelInitializerTests
{
    private static (double Mean, double Std, double MaxAbs) Stats(Tensor t)
    {
        var v = t.detach().to_type(ScalarType.Float64).data<double>().ToArray();
        double mean = v.Average();
        double std = Math.Sqrt(v.Select(x => (x - mean) * (x - mean)).Sum() / v.Length);
        return (mean, std, v.Max(Math.Abs));
    }

    private static Siglip2Config Config(bool naflex) =>
        (naflex ? TinyModels.Naflex(64, 2) : TinyModels.Fixed(64, 2)) with
        {
            Text = TinyModels.Text(64, 2) with { VocabSize = 512, ModelType = naflex ? "siglip2_text_model" : "siglip_text_model" },
        };

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void SameSeedSameWeightsOtherSeedOtherWeights(bool naflex)
    {
        using var a = new Siglip2Model(Config(naflex));
        using var b = new Siglip2Model(Config(naflex));
        using var c = new Siglip2Model(Config(naflex));
        ModelInitializer.Initialize(a, 42);
        ModelInitializer.Initialize(b, 42);
        ModelInitializer.Initialize(c, 43);
        var sa = a.state_dict(); var sb = b.state_dict(); var sc = c.state_dict();
        foreach (var (name, t) in sa)
            Assert.True(t.SameAs(sb[name]), name);
        Assert.False(sa["vision_model.encoder.layers.0.self_attn.q_proj.weight"].SameAs(sc["vision_model.encoder.layers.0.self_attn.q_proj.weight"]));
        Assert.False(sa["text_model.embeddings.token_embedding.weight"].SameAs(sc["text_model.embeddings.token_embedding.weight"]));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void DistributionsFollowHuggingFaceInit(bool naflex)
    {
        using var model = new Siglip2Model(Config(naflex));
        ModelInitializer.Initialize(model, 7);
        var s = model.state_dict();
        const int width = 64;

        Assert.Equal(Math.Log(10), s["logit_scale"].item<float>(), 5);
        Assert.Equal(-10.0, s["logit_bias"].item<float>(), 5);

        foreach (var (name, t) in s)
        {
            if (name.Contains("layer_norm") || name.Contains("layernorm"))
            {
                double expected = name.EndsWith(".weight") ? 1.0 : 0.0;
                Assert.True(t.eq(expected).all().item<bool>(), name);
            }
            if (name.Contains("self_attn") && name.EndsWith(".bias") || name.EndsWith("in_proj_bias") || name.EndsWith("patch_embedding.bias")
                || name.EndsWith("head.attention.out_proj.bias") || name == "text_model.head.bias")
                Assert.True(t.eq(0.0).all().item<bool>(), name);
            if (name.Contains("mlp.fc") && name.EndsWith(".bias"))
            {
                var (_, std, max) = Stats(t);
                Assert.True(max < 1e-5 && std > 1e-7, $"{name}: std {std}, max {max}");
            }
        }

        // Embedding tables: N(0, 1/width).
        foreach (var name in new[] { "text_model.embeddings.token_embedding.weight", "vision_model.embeddings.position_embedding.weight", "text_model.embeddings.position_embedding.weight" })
        {
            var (mean, std, _) = Stats(s[name]);
            double tol = name.Contains("token") ? 0.03 : 0.1;
            Assert.True(Math.Abs(std * Math.Sqrt(width) - 1) < tol, $"{name}: std {std}, expected {1 / Math.Sqrt(width)}");
            Assert.True(Math.Abs(mean) < 5 * std / Math.Sqrt(s[name].numel()), $"{name}: mean {mean}");
        }

        // Xavier uniform: U(−a, a), a = √(6 / (fan_in + fan_out)).
        void Xavier(string name, double fanIn, double fanOut)
        {
            double bound = Math.Sqrt(6 / (fanIn + fanOut));
            var (_, std, max) = Stats(s[name]);
            Assert.True(max <= bound && max > 0.95 * bound, $"{name}: max {max}, bound {bound}");
            Assert.True(Math.Abs(std / (bound / Math.Sqrt(3)) - 1) < 0.1, $"{name}: std {std}");
        }
        Xavier("vision_model.encoder.layers.1.self_attn.k_proj.weight", width, width);
        Xavier("text_model.encoder.layers.0.mlp.fc1.weight", width, 2 * width);
        Xavier("vision_model.head.attention.in_proj_weight", width, 3 * width);
        Xavier("vision_model.head.mlp.fc2.weight", 2 * width, width);
        var probe = Stats(s["vision_model.head.probe"]);
        Assert.True(probe.MaxAbs <= Math.Sqrt(3.0 / width), "probe bound");

        // LeCun normal: std √(1/fan_in), no value beyond 2 / 0.8796 · √(1/fan_in).
        void Lecun(string name, double fanIn)
        {
            var (_, std, max) = Stats(s[name]);
            Assert.True(Math.Abs(std * Math.Sqrt(fanIn) - 1) < 0.1, $"{name}: std {std}, expected {1 / Math.Sqrt(fanIn)}");
            Assert.True(max <= 2 / 0.87962566103423978 / Math.Sqrt(fanIn) * (1 + 1e-6), $"{name}: max {max}");
        }
        Lecun("vision_model.embeddings.patch_embedding.weight", 3 * 4 * 4);
        Lecun("text_model.head.weight", width);
        Lecun("vision_model.head.attention.out_proj.weight", width);
    }

    [Fact]
    public void FanInFanOutFollowPyTorch()
    {
        using var conv = torch.zeros(64, 3, 4, 4);
        Assert.Equal((48L, 1024L), ModelInitializer.FanInFanOut(conv));
        using var probe = torch.zeros(1, 1, 64);
        Assert.Equal((64L, 64L), ModelInitializer.FanInFanOut(probe));
    }
}
