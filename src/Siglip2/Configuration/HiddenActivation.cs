namespace Siglip2.Configuration;

/// <summary>The MLP activation named by <c>hidden_act</c> in config.json.</summary>
public enum HiddenActivation
{
    /// <summary><c>gelu_pytorch_tanh</c> (also <c>gelu_new</c>, <c>gelu_fast</c>): GELU with the tanh approximation, SigLIP's choice.</summary>
    GeluTanh,
    /// <summary><c>gelu</c>: exact erf GELU.</summary>
    Gelu,
    /// <summary><c>quick_gelu</c>: x·σ(1.702x).</summary>
    QuickGelu,
    /// <summary><c>relu</c>.</summary>
    Relu,
}

public static class HiddenActivationNames
{
    public static HiddenActivation Parse(string name, string where) => name switch
    {
        "gelu_pytorch_tanh" or "gelu_new" or "gelu_fast" => HiddenActivation.GeluTanh,
        "gelu" => HiddenActivation.Gelu,
        "quick_gelu" => HiddenActivation.QuickGelu,
        "relu" => HiddenActivation.Relu,
        _ => throw new Siglip2Exception($"{where}: hidden_act '{name}' is not supported (use gelu_pytorch_tanh, gelu, quick_gelu or relu)"),
    };

    public static string ToName(HiddenActivation a) => a switch
    {
        HiddenActivation.GeluTanh => "gelu_pytorch_tanh",
        HiddenActivation.Gelu => "gelu",
        HiddenActivation.QuickGelu => "quick_gelu",
        HiddenActivation.Relu => "relu",
        _ => throw new ArgumentOutOfRangeException(nameof(a)),
    };
}
