using Siglip2.Onnx;
using Xunit.Abstractions;
using static TorchSharp.torch;
using DataType = Siglip2.Onnx.Proto.TensorProto.Types.DataType;

namespace Siglip2.Tests.Onnx;

/// <summary>
/// The NaFlex graph's position-grid resize (<see cref="TransformerGraphEmitter.AntialiasedBilinearResize"/>) run by ONNX
/// Runtime against an independent closed form: the separable antialiased triangle filter of Pillow's resampling (which
/// PyTorch's antialiased bilinear interpolate follows), written here from the algorithm's description.
/// </summary>
public class OnnxResizeTests(ITestOutputHelper output)
{
    /// <summary>out × in weights: centre (i + ½)·s, support max(s, 1), triangle 1 − |x| of (j + ½ − centre)/max(s, 1), taps inside the grid, normalised.</summary>
    private static double[,] Weights(int input, int outputSize)
    {
        double scale = (double)input / outputSize, stretch = Math.Max(scale, 1.0);
        var w = new double[outputSize, input];
        for (int i = 0; i < outputSize; i++)
        {
            double center = scale * (i + 0.5), sum = 0;
            int lo = Math.Max((int)(center - stretch + 0.5), 0), hi = Math.Min((int)(center + stretch + 0.5), input);
            for (int j = lo; j < hi; j++) { w[i, j] = Math.Max(0, 1 - Math.Abs((j + 0.5 - center) / stretch)); sum += w[i, j]; }
            for (int j = lo; j < hi; j++) w[i, j] /= sum;
        }
        return w;
    }

    public static TheoryData<int, int, int> Cases => new()
    {
        { 4, 3, 1 }, { 4, 5, 1 }, { 4, 1, 3 }, { 4, 1, 1 }, { 4, 2, 2 }, { 4, 7, 9 }, { 4, 3, 21 },
        { 16, 16, 16 }, { 16, 10, 25 }, { 16, 3, 80 }, { 16, 1, 256 }, { 16, 23, 11 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void ResizeMatchesTheAntialiasedTriangleFilter(int side, int h, int w)
    {
        const int channels = 3;
        using var scope = NewDisposeScope();
        var grid = randn([1, channels, side, side], generator: new Generator((ulong)(side * 1000 + h * 31 + w)));
        var g = new OnnxGraphBuilder("resize");
        string x = g.Input("x", DataType.Float, 1, channels, side, side);
        string y = new TransformerGraphEmitter(g, OnnxPrecision.Float32).AntialiasedBilinearResize(x, g.Int64Vector(1, channels, h, w));
        g.Output("y", y, DataType.Float, 1, channels, h, w);
        using var session = OrtRun.Session(OnnxModelFile.Wrap(g.Graph, new Dictionary<string, string>()));
        var actual = OrtRun.Run(session, ("x", grid))["y"];

        var src = grid.to_type(ScalarType.Float64).data<double>().ToArray();
        var wy = Weights(side, h);
        var wx = Weights(side, w);
        double max = 0;
        for (int c = 0; c < channels; c++)
            for (int i = 0; i < h; i++)
                for (int j = 0; j < w; j++)
                {
                    double v = 0;
                    for (int r = 0; r < side; r++)
                        for (int s = 0; s < side; s++)
                            v += wy[i, r] * wx[j, s] * src[(c * side + r) * side + s];
                    max = Math.Max(max, Math.Abs(v - actual.At(0, c, i, j)));
                }
        output.WriteLine($"{side}² → ({h}, {w}): max|Δ| {max:E2}");
        Assert.True(max <= 1e-5, $"max abs error {max}");
    }
}
