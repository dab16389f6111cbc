using Siglip2.Data;
using Siglip2.Processing.Images;
using TorchSharp;
using static TorchSharp.torch;

namespace Siglip2.Tasks.Evaluation;

/// <summary>Recall@K of image→text and text→image retrieval on held-out scenes (one caption per scene).</summary>
public sealed record RetrievalResult(int Scenes, double ImageToTextR1, double ImageToTextR5, double TextToImageR1, double TextToImageR5);

/// <summary>
/// Retrieval over held-out FashionScenes (built from Fashion-MNIST test items only): each scene's caption is its
/// one positive. Recall@K = share of queries whose positive ranks in the top K.
/// </summary>
public static class SceneRetrieval
{
    public static RetrievalResult Run(EmbeddingPipeline pipeline, FashionScenes heldOut, int scenes, long firstIndex = 0)
    {
        var list = heldOut.Stream(firstIndex, scenes).ToList();
        using var scope = NewDisposeScope();
        var imageParts = new List<Tensor>();
        for (int start = 0; start < list.Count; start += 128)
        {
            var imgs = list.Skip(start).Take(128).Select(s => new RgbImage(s.Width, s.Height, s.Rgb)).ToList();
            imageParts.Add(pipeline.EmbedImages(pipeline.ImageProcessor.Preprocess(imgs)));
        }
        var images = torch.cat(imageParts, 0);
        var texts = pipeline.EmbedTexts(pipeline.TextProcessor.Process(list.Select(s => s.Caption).ToList()));
        var sim = torch.matmul(images, texts.t());
        var (i2t1, i2t5) = Recall(sim);
        var (t2i1, t2i5) = Recall(sim.t());
        return new RetrievalResult(list.Count, i2t1, i2t5, t2i1, t2i5);
    }

    /// <summary>Recall@1 and @5 of a (queries × candidates) similarity matrix whose positives are on the diagonal.</summary>
    public static (double R1, double R5) Recall(Tensor similarity)
    {
        using var scope = NewDisposeScope();
        long n = similarity.shape[0];
        var positive = similarity.diagonal().unsqueeze(1);
        // rank = number of candidates scoring strictly higher than the positive
        var rank = (similarity > positive).sum(1);
        double r1 = (rank < 1).to_type(ScalarType.Float64).mean().item<double>();
        double r5 = (rank < 5).to_type(ScalarType.Float64).mean().item<double>();
        return (r1, r5);
    }
}
