using Microsoft.ML.OnnxRuntime;

namespace Siglip2.Onnx;

/// <summary>
/// ONNX Runtime sessions as this library runs them on CPU: intra-op threads = the machine's cores (unless a
/// thread count is given), sequential execution (the towers are a chain; a parallel executor only adds
/// scheduling), every graph optimisation (ORT_ENABLE_ALL: constant folding, LayerNorm/GELU/attention and
/// int8 MatMul fusions).
/// </summary>
public static class OnnxSessionFactory
{
    public static SessionOptions CreateOptions(int? threads = null)
    {
        var options = new SessionOptions
        {
            IntraOpNumThreads = threads is > 0 ? threads.Value : Environment.ProcessorCount,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        return options;
    }

    /// <summary>A session over a model file (external data resolved beside it); a clear error when ONNX Runtime refuses it.</summary>
    public static InferenceSession Open(string modelPath, int? threads = null)
    {
        if (!File.Exists(modelPath))
            throw new Siglip2Exception($"ONNX model '{modelPath}' does not exist; export one with `siglip2 export --format onnx`");
        using var options = CreateOptions(threads);
        try
        {
            return new InferenceSession(modelPath, options);
        }
        catch (OnnxRuntimeException e)
        {
            throw new Siglip2Exception($"ONNX Runtime cannot load '{modelPath}': {e.Message.Split('\n')[0]} (re-export it with `siglip2 export --format onnx`)", e);
        }
    }

    /// <summary>A session over an in-memory model (no external data).</summary>
    public static InferenceSession Open(byte[] model, int? threads = null)
    {
        using var options = CreateOptions(threads);
        return new InferenceSession(model, options);
    }
}
