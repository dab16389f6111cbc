using Siglip2.Data;
using Siglip2.Modeling;
using Siglip2.Processing.Images;
using static TorchSharp.torch;

namespace Siglip2.Tasks.Evaluation;

/// <summary>Depth from frozen patch features, as the NYUv2 probe reports it: RMSE (metres), δ1 and absolute relative error.</summary>
public sealed record DepthProbeResult(int TrainImages, int TestImages, int Patches, double Rmse, double Delta1, double AbsRel);

/// <summary>One image for a dense probe with its per-pixel depth (metres, 0 = unknown) and/or labels (255 = ignore).</summary>
public sealed record DenseProbeImage(RgbImage Image, float[]? Depth, byte[]? Labels, string Source);

/// <summary>
/// The depth probe of SigLIP 2's dense-feature evaluation (§3.3, NYUv2), in miniature: a linear map from the frozen
/// per-patch features (<see cref="TowerOutput.LastHiddenState"/>, D → 1, with a bias) to each patch's mean known depth,
/// fitted by ridge regression in closed form (unpenalised intercept, λ = 1e-3 · trace/D of the centred features, float64) on the training images and scored on the
/// test patches: RMSE, δ1 = share of patches with max(pred/true, true/pred) &lt; 1.25, and mean |pred − true| / true.
/// Fixed-resolution image towers (one patch grid for every image); predictions are clamped to at least 1 cm.
/// </summary>
public static class DepthProbe
{
    public static DepthProbeResult Run(Siglip2Model model, IImageProcessor images, IReadOnlyList<DenseProbeImage> train, IReadOnlyList<DenseProbeImage> test)
    {
        var vision = model.Vision.Config;
        if (vision.IsNaflex) throw new Siglip2Exception("the depth probe needs a fixed-resolution image tower");
        if (train.Count == 0 || test.Count == 0) throw new Siglip2Exception("the depth probe needs training and test images with depth");
        int grid = vision.ImageSize / vision.PatchSize;
        using var scope = NewDisposeScope();
        var (trainX, trainY) = Features(model, images, train, grid);
        var (testX, testY) = Features(model, images, test, grid);
        // ridge regression with an unpenalised intercept: centre the features and targets, solve, put the means back
        var x = trainX.to_type(ScalarType.Float64);
        var y = trainY.to_type(ScalarType.Float64);
        var mean = x.mean([0], keepdim: true);
        double yMean = y.mean().item<double>();
        var xc = x - mean;
        var gram = matmul(xc.t(), xc);
        double lambda = 1e-3 * Math.Max(gram.diagonal().sum().item<double>() / gram.shape[0], 1e-12);
        var w = linalg.solve(gram + eye(gram.shape[0], dtype: ScalarType.Float64) * lambda, matmul(xc.t(), (y - yMean).unsqueeze(1)));
        var predictedTensor = matmul(testX.to_type(ScalarType.Float64) - mean, w).squeeze(1) + yMean;
        var predicted = predictedTensor.clamp_min(0.01).data<double>().ToArray();
        var truth = testY.to_type(ScalarType.Float64).data<double>().ToArray();
        var (rmse, delta1, absRel) = Metrics(predicted, truth);
        return new DepthProbeResult(train.Count, test.Count, truth.Length, rmse, delta1, absRel);
    }

    /// <summary>The probe on held-out FashionScenes with their <see cref="SceneDepth"/> maps.</summary>
    public static DepthProbeResult OnScenes(Siglip2Model model, IImageProcessor images, FashionScenes heldOut, int trainScenes, int testScenes)
    {
        DenseProbeImage Of(Scene s) => new(new RgbImage(s.Width, s.Height, s.Rgb), SceneDepth.Map(s), null, $"scene {s.Index}");
        var scenes = heldOut.Stream(0, trainScenes + testScenes).Select(Of).ToList();
        return Run(model, images, scenes.Take(trainScenes).ToList(), scenes.Skip(trainScenes).ToList());
    }

    /// <summary>RMSE, δ1 (ratio below 1.25) and mean absolute relative error.</summary>
    public static (double Rmse, double Delta1, double AbsRel) Metrics(IReadOnlyList<double> predicted, IReadOnlyList<double> truth)
    {
        if (predicted.Count != truth.Count || truth.Count == 0) throw new Siglip2Exception("depth metrics need one prediction per known depth");
        double se = 0, rel = 0;
        int within = 0;
        for (int i = 0; i < truth.Count; i++)
        {
            double p = predicted[i], t = truth[i];
            se += (p - t) * (p - t);
            rel += Math.Abs(p - t) / t;
            if (Math.Max(p / t, t / p) < 1.25) within++;
        }
        return (Math.Sqrt(se / truth.Count), (double)within / truth.Count, rel / truth.Count);
    }

    /// <summary>Each patch's mean known depth (grid·grid, row-major; NaN where no pixel of the patch has a depth).</summary>
    public static double[] PatchDepths(float[] depth, int width, int height, int grid)
    {
        var result = new double[grid * grid];
        for (int gy = 0; gy < grid; gy++)
            for (int gx = 0; gx < grid; gx++)
            {
                var (x0, x1, y0, y1) = DenseFeatureProbe.PatchArea(gx, gy, width, height, grid);
                double sum = 0;
                int n = 0;
                for (int y = y0; y < y1; y++)
                    for (int x = x0; x < x1; x++)
                        if (depth[y * width + x] > 0) { sum += depth[y * width + x]; n++; }
                result[gy * grid + gx] = n == 0 ? double.NaN : sum / n;
            }
        return result;
    }

    private static (Tensor X, Tensor Y) Features(Siglip2Model model, IImageProcessor images, IReadOnlyList<DenseProbeImage> items, int grid)
    {
        var xs = new List<Tensor>();
        var ys = new List<float>();
        using var noGrad = no_grad();
        for (int start = 0; start < items.Count; start += 64)
        {
            var part = items.Skip(start).Take(64).ToList();
            var batch = images.Preprocess(part.Select(p => p.Image).ToList());
            using var px = batch.ToTensors()[ImageBatch.PixelValuesName];
            using var tower = model.Vision.Forward(px);
            var features = tower.LastHiddenState.reshape(-1, tower.LastHiddenState.shape[^1]);
            var keep = new List<long>();
            for (int i = 0; i < part.Count; i++)
            {
                var d = PatchDepths(part[i].Depth ?? throw new Siglip2Exception($"{part[i].Source} has no depth map"), part[i].Image.Width, part[i].Image.Height, grid);
                for (int p = 0; p < d.Length; p++)
                    if (!double.IsNaN(d[p])) { keep.Add(i * d.Length + p); ys.Add((float)d[p]); }
            }
            using var index = tensor(keep.ToArray(), dtype: ScalarType.Int64);
            xs.Add(features.index_select(0, index).detach().clone());
        }
        return (cat(xs, 0), tensor(ys.ToArray()));
    }
}
