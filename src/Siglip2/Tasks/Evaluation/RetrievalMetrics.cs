using TorchSharp;
using static TorchSharp.torch;

namespace Siglip2.Tasks.Evaluation;

/// <summary>Recall@1/5/10 of image→text and text→image retrieval over one gallery of images and their captions.</summary>
public sealed record RetrievalRecall(int Images, int Captions,
    double ImageToTextR1, double ImageToTextR5, double ImageToTextR10,
    double TextToImageR1, double TextToImageR5, double TextToImageR10);

/// <summary>
/// Retrieval metrics as the COCO/Flickr30k/XM3600 columns of CLIP, SigLIP and SigLIP 2 report them: every image queries
/// all captions and counts as found at K when any of its own captions ranks in the top K (image→text); every caption
/// queries all images and counts when its own image ranks in the top K (text→image). A query's rank is the number of
/// candidates scoring strictly higher than its best positive (ties resolve in the query's favour). Similarities are
/// cosines of L2-normalised embeddings, computed a block of queries at a time so that a 5,000 × 25,000 matrix is never
/// held whole.
/// </summary>
public static class RetrievalMetrics
{
    public static readonly int[] Ks = [1, 5, 10];

    /// <summary>Recall from embeddings: <paramref name="images"/> (N, D), <paramref name="captions"/> (T, D), caption t belongs to image <paramref name="captionImage"/>[t].</summary>
    public static RetrievalRecall Compute(Tensor images, Tensor captions, IReadOnlyList<int> captionImage, int block = 1024)
    {
        int n = (int)images.shape[0], t = (int)captions.shape[0];
        Validate(n, t, captionImage);
        using var owner = torch.tensor(captionImage.Select(i => (long)i).ToArray(), ScalarType.Int64);
        var imageRanks = new List<long>(n);
        var captionRanks = new List<long>(t);
        using (torch.inference_mode())
        {
            for (int start = 0; start < n; start += block)
            {
                using var scope = NewDisposeScope();
                int count = Math.Min(block, n - start);
                var sim = torch.matmul(images.narrow(0, start, count), captions.t());
                imageRanks.AddRange(ImageToTextRanks(sim, owner, start));
            }
            for (int start = 0; start < t; start += block)
            {
                using var scope = NewDisposeScope();
                int count = Math.Min(block, t - start);
                var sim = torch.matmul(captions.narrow(0, start, count), images.t());
                captionRanks.AddRange(TextToImageRanks(sim, owner.narrow(0, start, count)));
            }
        }
        return FromRanks(imageRanks, captionRanks);
    }

    /// <summary>Recall from a whole (images × captions) similarity matrix.</summary>
    public static RetrievalRecall FromSimilarity(Tensor similarity, IReadOnlyList<int> captionImage)
    {
        using var scope = NewDisposeScope();
        using var _ = torch.inference_mode();
        Validate((int)similarity.shape[0], (int)similarity.shape[1], captionImage);
        var owner = torch.tensor(captionImage.Select(i => (long)i).ToArray(), ScalarType.Int64);
        return FromRanks(ImageToTextRanks(similarity, owner, 0), TextToImageRanks(similarity.t(), owner));
    }

    /// <summary>Per image row of <paramref name="sim"/> (rows are images firstImage…): captions scoring above its best own caption.</summary>
    private static long[] ImageToTextRanks(Tensor sim, Tensor owner, int firstImage)
    {
        var rows = torch.arange(firstImage, firstImage + sim.shape[0], ScalarType.Int64).unsqueeze(1);
        var own = owner.unsqueeze(0) == rows; // (rows, T)
        var best = sim.masked_fill(own.logical_not(), float.NegativeInfinity).max(1).values.unsqueeze(1);
        return (sim > best).sum(1).data<long>().ToArray();
    }

    /// <summary>Per caption row of <paramref name="sim"/> (captions × images): images scoring above its own image.</summary>
    private static long[] TextToImageRanks(Tensor sim, Tensor owner)
    {
        var positive = sim.gather(1, owner.unsqueeze(1));
        return (sim > positive).sum(1).data<long>().ToArray();
    }

    private static RetrievalRecall FromRanks(IReadOnlyList<long> imageRanks, IReadOnlyList<long> captionRanks)
    {
        double At(IReadOnlyList<long> ranks, int k) => ranks.Count(r => r < k) / (double)ranks.Count;
        return new RetrievalRecall(imageRanks.Count, captionRanks.Count,
            At(imageRanks, 1), At(imageRanks, 5), At(imageRanks, 10),
            At(captionRanks, 1), At(captionRanks, 5), At(captionRanks, 10));
    }

    private static void Validate(int images, int captions, IReadOnlyList<int> captionImage)
    {
        if (images == 0 || captions == 0) throw new Siglip2Exception("retrieval needs at least one image and one caption");
        if (captionImage.Count != captions) throw new ArgumentException($"{captionImage.Count} caption owners for {captions} captions", nameof(captionImage));
        var seen = new bool[images];
        foreach (int i in captionImage)
        {
            if (i < 0 || i >= images) throw new ArgumentException($"caption owner {i} is not an image index (0..{images - 1})", nameof(captionImage));
            seen[i] = true;
        }
        int without = Array.IndexOf(seen, false);
        if (without >= 0) throw new ArgumentException($"image {without} has no caption", nameof(captionImage));
    }
}
