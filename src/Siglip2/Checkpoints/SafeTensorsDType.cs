using static TorchSharp.torch;

namespace Siglip2.Checkpoints;

/// <summary>Mapping between safetensors dtype names and torch scalar types.</summary>
public static class SafeTensorsDType
{
    /// <summary>Every dtype of the safetensors format this reader knows (byte-sized and wider; sub-byte formats are not accepted).</summary>
    public static IReadOnlyList<string> Known { get; } =
        ["BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3", "I16", "U16", "F16", "BF16", "I32", "U32", "F32", "F64", "I64", "U64"];

    /// <summary>Bytes per element of a known dtype; false for a name the format does not define.</summary>
    public static bool TryElementSize(string dtype, out int size)
    {
        size = dtype switch
        {
            "F64" or "I64" or "U64" => 8,
            "F32" or "I32" or "U32" => 4,
            "F16" or "BF16" or "I16" or "U16" => 2,
            "I8" or "U8" or "BOOL" or "F8_E4M3" or "F8_E5M2" => 1,
            _ => 0,
        };
        return size > 0;
    }

    public static int ElementSize(string dtype) =>
        TryElementSize(dtype, out int size) ? size
            : throw new Siglip2Exception($"unknown safetensors dtype '{dtype}' (known: {string.Join(", ", Known)})");

    /// <summary>True for the floating dtypes (whose values can be NaN or infinite).</summary>
    public static bool IsFloating(ScalarType t) =>
        t is ScalarType.Float64 or ScalarType.Float32 or ScalarType.Float16 or ScalarType.BFloat16;

    public static ScalarType ToScalarType(string dtype, string path, string name) => dtype switch
    {
        "F64" => ScalarType.Float64,
        "F32" => ScalarType.Float32,
        "F16" => ScalarType.Float16,
        "BF16" => ScalarType.BFloat16,
        "I64" => ScalarType.Int64,
        "I32" => ScalarType.Int32,
        "I16" => ScalarType.Int16,
        "I8" => ScalarType.Int8,
        "U8" => ScalarType.Byte,
        "BOOL" => ScalarType.Bool,
        _ => throw new Siglip2Exception($"{path}: tensor '{name}' has dtype {dtype}, which this library cannot read (supported: F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL)"),
    };

    public static string FromScalarType(ScalarType t) => t switch
    {
        ScalarType.Float64 => "F64",
        ScalarType.Float32 => "F32",
        ScalarType.Float16 => "F16",
        ScalarType.BFloat16 => "BF16",
        ScalarType.Int64 => "I64",
        ScalarType.Int32 => "I32",
        ScalarType.Int16 => "I16",
        ScalarType.Int8 => "I8",
        ScalarType.Byte => "U8",
        ScalarType.Bool => "BOOL",
        _ => throw new ArgumentException($"dtype {t} cannot be stored in safetensors"),
    };
}
