using Siglip2.Configuration;
using Siglip2.Onnx;
using static TorchSharp.torch;
using DataType = Siglip2.Onnx.Proto.TensorProto.Types.DataType;

namespace Siglip2.Tests.Onnx;

/// <summary>Every MLP activation of config.json as an ONNX node, against the torch tower's activation.</summary>
public class OnnxActivationTests
{
    [Theory]
    [InlineData(HiddenActivation.GeluTanh)]
    [InlineData(HiddenActivation.Gelu)]
    [InlineData(HiddenActivation.QuickGelu)]
    [InlineData(HiddenActivation.Relu)]
    public void ActivationMatchesTorch(HiddenActivation kind)
    {
        using var scope = NewDisposeScope();
        var x = linspace(-6, 6, 241, ScalarType.Float32).reshape(1, 241);
        var g = new OnnxGraphBuilder("activation");
        string input = g.Input("x", DataType.Float, 1, 241);
        g.Output("y", new TransformerGraphEmitter(g, OnnxPrecision.Float32).Activation(input, kind), DataType.Float, 1, 241);
        using var session = OrtRun.Session(OnnxModelFile.Wrap(g.Graph, new Dictionary<string, string>()));
        var actual = OrtRun.Run(session, ("x", x))["y"];
        double diff = OrtRun.MaxAbsDiff(actual, Siglip2.Modeling.Activation.Apply(x, kind));
        Assert.True(diff <= 2e-6, $"{kind}: max abs error {diff}");
    }
}
