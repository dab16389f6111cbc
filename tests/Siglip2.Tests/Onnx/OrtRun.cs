using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Siglip2.Checkpoints;
using Siglip2.Onnx;
using Siglip2.Onnx.Proto;
using static TorchSharp.torch;

namespace Siglip2.Tests.Onnx;

/// <summary>Runs an exported graph in ONNX Runtime on float/int64 arrays (test helper).</summary>
internal static class OrtRun
{
    public sealed record Array32(float[] Data, long[] Shape)
    {
        public float At(params long[] index)
        {
            long flat = 0;
            for (int i = 0; i < index.Length; i++) flat = flat * Shape[i] + index[i];
            return Data[flat];
        }
    }

    public static InferenceSession Session(ModelProto model) => OnnxSessionFactory.Open(model.ToByteArray(), threads: 1);

    public static Dictionary<string, Array32> Run(InferenceSession session, params (string Name, Tensor Value)[] inputs)
    {
        var values = new List<OrtValue>();
        try
        {
            var feed = new Dictionary<string, OrtValue>();
            foreach (var (name, tensor) in inputs)
            {
                OrtValue v = tensor.dtype == ScalarType.Int64
                    ? OrtValue.CreateTensorValueFromMemory(tensor.contiguous().data<long>().ToArray(), tensor.shape)
                    : OrtValue.CreateTensorValueFromMemory(tensor.to_type(ScalarType.Float32).contiguous().data<float>().ToArray(), tensor.shape);
                values.Add(v);
                feed[name] = v;
            }
            using var runOptions = new RunOptions();
            using var outputs = session.Run(runOptions, feed, session.OutputNames);
            var result = new Dictionary<string, Array32>();
            int i = 0;
            foreach (var name in session.OutputNames)
            {
                var o = outputs[i++];
                result[name] = new Array32(o.GetTensorDataAsSpan<float>().ToArray(), o.GetTensorTypeAndShape().Shape);
            }
            return result;
        }
        finally
        {
            foreach (var v in values) v.Dispose();
        }
    }

    /// <summary>max |actual − expected| over matching shapes (fails on a shape mismatch).</summary>
    public static double MaxAbsDiff(Array32 actual, Tensor expected)
    {
        Assert.Equal(expected.shape, actual.Shape);
        using var e = expected.to_type(ScalarType.Float32).contiguous();
        var ev = e.data<float>().ToArray();
        double max = 0;
        for (int i = 0; i < ev.Length; i++) max = Math.Max(max, Math.Abs(actual.Data[i] - ev[i]));
        return double.IsNaN(max) ? double.PositiveInfinity : max;
    }

    public static SafeTensorsFile Expected(string fixture) => SafeTensorsFile.Open(FixturePaths.Path(fixture, "expected.safetensors"));

    public static double Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.Length; i++) { dot += a[i] * (double)b[i]; na += a[i] * (double)a[i]; nb += b[i] * (double)b[i]; }
        return dot / Math.Sqrt(na * nb);
    }
}
