using Siglip2.Data;
using Siglip2.Modeling;
using Siglip2.Processing.Images;
using TorchSharp;
using static TorchSharp.torch;

namespace Siglip2.Tasks.Evaluation;

/// <summary>Segmentation quality of frozen per-patch features: mean IoU over the classes present, and patch accuracy.</summary>
public sealed record DenseProbeResult(int TrainScenes, int TestScenes, int Patches, double MeanIou, double PatchAccuracy);

/// <summary>
/// Dense-feature evaluation: a linear probe (D → 11: background + ten Fashion-MNIST classes) trained on the frozen
/// per-patch features (<see cref="TowerOutput.LastHiddenState"/>) of held-out scenes predicts each patch's label, the
/// majority class of the scene's class mask inside the patch's area (ties → the smaller label). The probe trains with
/// Adam (lr 0.01, full batch, seeded init) on the first <c>trainScenes</c> held-out scenes and is scored on the next
/// <c>testScenes</c>: IoU per label over all test patches, averaged over the labels present in prediction or truth.
/// Fixed-resolution image towers only (the patch grid must be the same for every image).
/// </summary>
public static class DenseFeatureProbe
{
    public const int Labels = 1 + FashionMnist.ClassCount;

    public static DenseProbeResult Run(Siglip2Model model, IImageProcessor images, FashionScenes heldOut, int trainScenes, int testScenes,
        int steps = 300, long seed = 0)
    {
        var vision = model.Vision.Config;
        if (vision.IsNaflex) throw new Siglip2Exception("the dense-feature probe needs a fixed-resolution image tower");
        int grid = vision.ImageSize / vision.PatchSize;
        using var scope = NewDisposeScope();
        var (trainX, trainY) = Features(model, images, heldOut, 0, trainScenes, grid);
        var (testX, testY) = Features(model, images, heldOut, trainScenes, testScenes, grid);
        var (meanIou, accuracy, patches) = TrainAndScore(trainX, trainY, testX, testY, Labels, steps, seed);
        return new DenseProbeResult(trainScenes, testScenes, patches, meanIou, accuracy);
    }

    /// <summary>The linear probe (D → <paramref name="labels"/>, Adam lr 0.01, full batch, seeded init) trained and scored: (mIoU, patch accuracy, test patches).</summary>
    private static (double MeanIou, double Accuracy, int Patches) TrainAndScore(Tensor trainX, Tensor trainY, Tensor testX, Tensor testY, int labels, int steps, long seed)
    {
        using var generator = new torch.Generator(unchecked((ulong)seed));
        long d = trainX.shape[1];
        var weight = new TorchSharp.Modules.Parameter(torch.randn([d, labels], generator: generator) * (1.0 / Math.Sqrt(d)));
        var bias = new TorchSharp.Modules.Parameter(torch.zeros(labels));
        using (var optimizer = torch.optim.Adam([weight, bias], 0.01))
        {
            for (int s = 0; s < steps; s++)
            {
                using var inner = NewDisposeScope();
                optimizer.zero_grad();
                var loss = nn.functional.cross_entropy(torch.matmul(trainX, weight) + bias, trainY);
                loss.backward();
                optimizer.step();
            }
        }
        long[] predicted, truth;
        using (torch.no_grad())
        {
            predicted = (torch.matmul(testX, weight) + bias).argmax(-1).data<long>().ToArray();
            truth = testY.data<long>().ToArray();
        }
        return (MeanIou(predicted, truth, labels), predicted.Zip(truth).Count(p => p.First == p.Second) / (double)truth.Length, truth.Length);
    }

    /// <summary>
    /// The same probe on the user's labelled images (<see cref="DenseProbeImage.Labels"/>: class ids, 255 = ignore): the
    /// label count is the largest id + 1, each patch's label is the majority of its known pixels (patches with none
    /// are left out), the probe trains on <paramref name="train"/> and is scored on <paramref name="test"/>.
    /// </summary>
    public static DenseProbeResult RunOnLabels(Siglip2Model model, IImageProcessor images, IReadOnlyList<DenseProbeImage> train, IReadOnlyList<DenseProbeImage> test,
        int steps = 300, long seed = 0)
    {
        var vision = model.Vision.Config;
        if (vision.IsNaflex) throw new Siglip2Exception("the segmentation probe needs a fixed-resolution image tower");
        if (train.Count == 0 || test.Count == 0) throw new Siglip2Exception("the segmentation probe needs training and test images with labels");
        int grid = vision.ImageSize / vision.PatchSize;
        int labels = 1 + train.Concat(test).Max(i => (i.Labels ?? throw new Siglip2Exception($"{i.Source} has no label map")).Where(v => v != IgnoreLabel).DefaultIfEmpty((byte)0).Max(v => (int)v));
        using var scope = NewDisposeScope();
        var (trainX, trainY) = LabelFeatures(model, images, train, grid, labels);
        var (testX, testY) = LabelFeatures(model, images, test, grid, labels);
        var (meanIou, accuracy, patches) = TrainAndScore(trainX, trainY, testX, testY, labels, steps, seed);
        return new DenseProbeResult(train.Count, test.Count, patches, meanIou, accuracy);
    }

    /// <summary>The label value of pixels to ignore in user label maps.</summary>
    public const byte IgnoreLabel = 255;

    private static (Tensor X, Tensor Y) LabelFeatures(Siglip2Model model, IImageProcessor images, IReadOnlyList<DenseProbeImage> items, int grid, int labels)
    {
        var xs = new List<Tensor>();
        var ys = new List<long>();
        using var noGrad = torch.no_grad();
        var counts = new int[labels];
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
                var map = part[i].Labels!;
                int w = part[i].Image.Width, h = part[i].Image.Height;
                for (int gy = 0; gy < grid; gy++)
                    for (int gx = 0; gx < grid; gx++)
                    {
                        Array.Clear(counts);
                        var (x0, x1, y0, y1) = PatchArea(gx, gy, w, h, grid);
                        int known = 0;
                        for (int y = y0; y < y1; y++)
                            for (int x = x0; x < x1; x++)
                                if (map[y * w + x] != IgnoreLabel) { counts[map[y * w + x]]++; known++; }
                        if (known == 0) continue;
                        int best = 0;
                        for (int c = 1; c < labels; c++) if (counts[c] > counts[best]) best = c;
                        keep.Add(i * grid * grid + gy * grid + gx);
                        ys.Add(best);
                    }
            }
            using var index = torch.tensor(keep.ToArray(), dtype: ScalarType.Int64);
            xs.Add(features.index_select(0, index).detach().clone());
        }
        return (torch.cat(xs, 0), torch.tensor(ys.ToArray()));
    }

    /// <summary>Mean IoU over labels that occur in <paramref name="predicted"/> or <paramref name="truth"/>.</summary>
    public static double MeanIou(long[] predicted, long[] truth, int labels)
    {
        var inter = new long[labels];
        var union = new long[labels];
        for (int i = 0; i < truth.Length; i++)
        {
            if (predicted[i] == truth[i]) { inter[truth[i]]++; union[truth[i]]++; }
            else { union[truth[i]]++; union[predicted[i]]++; }
        }
        var present = Enumerable.Range(0, labels).Where(c => union[c] > 0).ToList();
        return present.Count == 0 ? double.NaN : present.Average(c => (double)inter[c] / union[c]);
    }

    /// <summary>The pixel rectangle [x0, x1) × [y0, y1) that patch (gx, gy) of a grid·grid tiling covers in a width × height image (at least one pixel).</summary>
    public static (int X0, int X1, int Y0, int Y1) PatchArea(int gx, int gy, int width, int height, int grid)
    {
        int y0 = gy * height / grid, x0 = gx * width / grid;
        return (x0, Math.Max(x0 + 1, (gx + 1) * width / grid), y0, Math.Max(y0 + 1, (gy + 1) * height / grid));
    }

    /// <summary>Per-patch labels (grid·grid, row-major) of a class mask: majority label inside each patch's area.</summary>
    public static long[] PatchLabels(byte[] classMask, int width, int height, int grid)
    {
        var labels = new long[grid * grid];
        var counts = new int[Labels];
        for (int gy = 0; gy < grid; gy++)
            for (int gx = 0; gx < grid; gx++)
            {
                Array.Clear(counts);
                var (x0, x1, y0, y1) = PatchArea(gx, gy, width, height, grid);
                for (int y = y0; y < y1; y++)
                    for (int x = x0; x < x1; x++) counts[classMask[y * width + x]]++;
                int best = 0;
                for (int c = 1; c < Labels; c++) if (counts[c] > counts[best]) best = c;
                labels[gy * grid + gx] = best;
            }
        return labels;
    }

    private static (Tensor X, Tensor Y) Features(Siglip2Model model, IImageProcessor images, FashionScenes scenes, long first, int count, int grid)
    {
        var xs = new List<Tensor>();
        var ys = new List<long>();
        using var noGrad = torch.no_grad();
        for (int start = 0; start < count; start += 128)
        {
            var part = scenes.Stream(first + start, Math.Min(128, count - start)).ToList();
            var batch = images.Preprocess(part.Select(s => new RgbImage(s.Width, s.Height, s.Rgb)).ToList());
            using var px = batch.ToTensors()[ImageBatch.PixelValuesName];
            using var tower = model.Vision.Forward(px);
            xs.Add(tower.LastHiddenState.reshape(-1, tower.LastHiddenState.shape[^1]).detach().clone());
            foreach (var s in part) ys.AddRange(PatchLabels(s.ClassMask, s.Width, s.Height, grid));
        }
        return (torch.cat(xs, 0), torch.tensor(ys.ToArray()));
    }
}
