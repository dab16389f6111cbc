using TorchSharp;
using Siglip2.Configuration;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Siglip2.Modeling;

/// <summary>The transformer MLP: fc1 → activation (tanh-GELU for SigLIP) → fc2. Weight names <c>fc1</c>, <c>fc2</c>.</summary>
public sealed class SiglipMlp : nn.Module<Tensor, Tensor>
{
    // Field names are the Hugging Face weight names (TorchSharp registers modules by field name).
    private readonly Linear fc1;
    private readonly Linear fc2;
    private readonly HiddenActivation _activation;

    public Linear Fc1 => fc1;
    public Linear Fc2 => fc2;

    public SiglipMlp(int hiddenSize, int intermediateSize, HiddenActivation activation) : base(nameof(SiglipMlp))
    {
        fc1 = ParameterInitialization.Linear(hiddenSize, intermediateSize);
        fc2 = ParameterInitialization.Linear(intermediateSize, hiddenSize);
        _activation = activation;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var h = Fc1.forward(x);
        using var a = Activation.Apply(h, _activation);
        return Fc2.forward(a);
    }
}
