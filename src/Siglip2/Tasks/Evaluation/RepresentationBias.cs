using Siglip2.Data;
using static TorchSharp.torch;

namespace Siglip2.Tasks.Evaluation;

/// <summary>
/// Representation bias of a model, as SigLIP 2 §4 measures it after Alabdulmohsin et al., "CLIP the Bias" (2024): how
/// far the model's choice between two attribute prompts departs from 50 % on images that do not show the attribute.
/// <see cref="AsterPreference"/>[c] is the share of class-c images for which "… {class} by Aster" scores above
/// "… {class} by Boreal"; <see cref="FirstOrder"/> = |overall share − 0.5| (the model favours one value overall);
/// <see cref="ByClass"/> = mean over classes of |share_c − 0.5| (it ties a value to item classes: the second-order
/// bias balancing targets). 0 is unbiased, 0.5 the most biased.
/// </summary>
public sealed record RepresentationBiasReport(double[] AsterPreference, double Overall, double FirstOrder, double ByClass, int Images);

public static class RepresentationBias
{
    /// <summary>
    /// The bias on the first <paramref name="limit"/> Fashion-MNIST test images, with the English zero-shot templates
    /// carrying the attribute (prompt ensemble per class and attribute, as zero-shot classification does).
    /// </summary>
    public static RepresentationBiasReport Measure(EmbeddingPipeline pipeline, FashionMnistImages test, int? limit = null, IProgress<int>? progress = null)
    {
        int count = Math.Min(limit ?? test.Count, test.Count);
        using var scope = NewDisposeScope();
        var images = ZeroShotClassification.EmbedFashionMnist(pipeline, test, count, progress);
        var english = CaptionLanguages.English;
        var classes = Enumerable.Range(0, count).Select(test.Label).ToArray();
        var margins = new float[count];
        var aster = new Tensor[FashionMnist.ClassCount];
        var boreal = new Tensor[FashionMnist.ClassCount];
        for (int c = 0; c < FashionMnist.ClassCount; c++)
        {
            aster[c] = PromptEmbedding(pipeline, english.ZeroShotPrompts(c), 0);
            boreal[c] = PromptEmbedding(pipeline, english.ZeroShotPrompts(c), 1);
        }
        // per image: ⟨img, aster_c⟩ − ⟨img, boreal_c⟩ for its own class c (the logit difference up to the positive scale)
        var difference = stack(aster, 0) - stack(boreal, 0);                     // (10, D)
        var perClass = matmul(images, difference.t());                            // (N, 10)
        using var index = tensor(classes.Select(c => (long)c).ToArray(), dtype: ScalarType.Int64).unsqueeze(1);
        perClass.gather(1, index).squeeze(1).to_type(ScalarType.Float32).data<float>().CopyTo(margins);
        return FromMargins(classes, margins);
    }

    private static Tensor PromptEmbedding(EmbeddingPipeline pipeline, IReadOnlyList<string> templates, int attribute)
    {
        var prompts = templates.Select(t => CaptionAttribute.Apply(t, attribute)).ToList();
        var e = pipeline.EmbedTexts(pipeline.TextProcessor.Process(prompts)).mean([0]);
        return e / e.norm();
    }

    /// <summary>The report from each image's class and its Aster-minus-Boreal score margin (ties count as half).</summary>
    public static RepresentationBiasReport FromMargins(IReadOnlyList<int> classes, IReadOnlyList<float> margins)
    {
        if (classes.Count != margins.Count || classes.Count == 0) throw new Siglip2Exception("representation bias: one margin per image is needed");
        var wins = new double[FashionMnist.ClassCount];
        var seen = new int[FashionMnist.ClassCount];
        for (int i = 0; i < classes.Count; i++)
        {
            seen[classes[i]]++;
            wins[classes[i]] += margins[i] > 0 ? 1 : margins[i] == 0 ? 0.5 : 0;
        }
        var share = new double[FashionMnist.ClassCount];
        for (int c = 0; c < share.Length; c++) share[c] = seen[c] == 0 ? double.NaN : wins[c] / seen[c];
        double overall = wins.Sum() / classes.Count;
        var present = share.Where(s => !double.IsNaN(s)).ToList();
        return new RepresentationBiasReport(share, overall, Math.Abs(overall - 0.5), present.Average(s => Math.Abs(s - 0.5)), classes.Count);
    }
}
