using TorchSharp;
using Siglip2.Configuration;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Siglip2.Modeling;

/// <summary>A stack of <see cref="SiglipEncoderLayer"/>s (weight names <c>layers.N.*</c>).</summary>
public sealed class SiglipEncoder : nn.Module
{
    private readonly ModuleList<SiglipEncoderLayer> layers;

    public ModuleList<SiglipEncoderLayer> Layers => layers;

    public SiglipEncoder(int hiddenSize, int intermediateSize, int numHeads, int numLayers, double eps, HiddenActivation act)
        : base(nameof(SiglipEncoder))
    {
        layers = new ModuleList<SiglipEncoderLayer>();
        for (int i = 0; i < numLayers; i++)
            layers.Add(new SiglipEncoderLayer(hiddenSize, intermediateSize, numHeads, eps, act));
        RegisterComponents();
    }

    /// <summary>Runs every layer. When <paramref name="hiddenStates"/> is given, it receives the input and every layer's output (Hugging Face's hidden_states).</summary>
    public Tensor Forward(Tensor x, Tensor? additiveMask, List<Tensor>? hiddenStates = null)
    {
        hiddenStates?.Add(x.alias());
        Tensor h = x;
        for (int i = 0; i < Layers.Count; i++)
        {
            var next = Layers[i].Forward(h, additiveMask);
            if (!ReferenceEquals(h, x) && hiddenStates is null) h.Dispose();
            h = next;
            hiddenStates?.Add(h);
        }
        return hiddenStates is null ? h : h.alias();
    }

    public void SetAttentionImplementation(AttentionImplementation impl)
    {
        foreach (var layer in Layers) layer.SelfAttn.Implementation = impl;
    }
}
