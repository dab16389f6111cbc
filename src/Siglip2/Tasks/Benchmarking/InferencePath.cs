namespace Siglip2.Tasks.Benchmarking;

/// <summary>One way to run a tower: a backend and a number format ("torch fp32", "onnx int8", …).</summary>
public readonly record struct InferencePath(Siglip2Backend Backend, Siglip2Precision Precision)
{
    public static readonly InferencePath TorchFloat32 = new(Siglip2Backend.Torch, Siglip2Precision.Float32);
    public static readonly InferencePath TorchBFloat16 = new(Siglip2Backend.Torch, Siglip2Precision.BFloat16);
    public static readonly InferencePath OnnxFloat32 = new(Siglip2Backend.Onnx, Siglip2Precision.Float32);
    public static readonly InferencePath OnnxInt8 = new(Siglip2Backend.Onnx, Siglip2Precision.Int8);

    /// <summary>The four paths `--dtype auto` chooses from.</summary>
    public static IReadOnlyList<InferencePath> All => [TorchFloat32, TorchBFloat16, OnnxFloat32, OnnxInt8];

    /// <summary>The number format as the CLI writes it: fp32, bf16, int8.</summary>
    public string DTypeName => Precision switch { Siglip2Precision.BFloat16 => "bf16", Siglip2Precision.Int8 => "int8", _ => "fp32" };

    /// <summary>Whether this path computes in a lower precision than float32 (and so must pass the accuracy gate).</summary>
    public bool IsReduced => Precision != Siglip2Precision.Float32;

    public override string ToString() => $"{(Backend == Siglip2Backend.Onnx ? "onnx" : "torch")} {DTypeName}";

    /// <summary>The inverse of <see cref="ToString"/>; null for anything else.</summary>
    public static InferencePath? Parse(string text) => All.Select(p => (InferencePath?)p).FirstOrDefault(p => p!.Value.ToString() == text);
}
