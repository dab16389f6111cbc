using Siglip2.Modeling;
using Siglip2.Processing.Images;
using Siglip2.Processing.Text;
using static TorchSharp.torch;

namespace Siglip2.Training;

/// <summary>
/// A batch for the full SigLIP 2 recipe: the image–text pairs (<see cref="Pairs"/>, original images), the LocCa decoder
/// rows (3 per image on FashionScenes: captioning, referring expression, grounded caption; 1 on the user's data: captioning) and, in stage 2, augmented views of the
/// first images for self-distillation: one global view (teacher; also the student's masked view) and L local views.
/// </summary>
public sealed class RecipeBatch : IDisposable
{
    public required TrainingBatch Pairs { get; init; }
    /// <summary>(3B, L) decoder inputs.</summary>
    public Tensor? DecoderInputs { get; init; }
    /// <summary>(3B, L) targets, <see cref="LoccaSequences.IgnoreIndex"/> where not counted.</summary>
    public Tensor? DecoderTargets { get; init; }
    /// <summary>(3B, 1, L, L) additive self-attention mask (causal or parallel per row).</summary>
    public Tensor? DecoderMask { get; init; }
    /// <summary>(n, C, H, W) global views.</summary>
    public Tensor? GlobalViews { get; init; }
    /// <summary>(L·n, C, H, W) local views, view-major (view v of image i at row v·n + i).</summary>
    public Tensor? LocalViews { get; init; }
    /// <summary>Seed of this step's random patch mask.</summary>
    public long MaskSeed { get; init; }

    /// <summary>
    /// A recipe batch of prepared parts: the decoder rows when LocCa is on, and in stage 2 the global views and the local
    /// views of <paramref name="sslCount"/> images, as the image processor gave them (image-major: image i, view v at
    /// i·L + v), reordered view-major.
    /// </summary>
    public static RecipeBatch Create(TrainingBatch pairs, LoccaExamples? locca, ImageBatch? global, ImageBatch? local, int sslCount, int localViews, long maskSeed)
    {
        Tensor? views = null;
        if (local is not null)
        {
            using var raw = local.ToTensors()[ImageBatch.PixelValuesName];
            views = raw.view(sslCount, localViews, raw.shape[1], raw.shape[2], raw.shape[3]).transpose(0, 1)
                .reshape(-1, raw.shape[1], raw.shape[2], raw.shape[3]).contiguous();
        }
        return new RecipeBatch
        {
            Pairs = pairs,
            DecoderInputs = locca is null ? null : tensor(locca.Inputs, [locca.Count, locca.Length], dtype: ScalarType.Int64),
            DecoderTargets = locca is null ? null : tensor(locca.Targets, [locca.Count, locca.Length], dtype: ScalarType.Int64),
            DecoderMask = locca is null ? null : LoccaDecoder.SelfAttentionMask(locca.Causal, locca.Lengths, locca.Length),
            GlobalViews = global?.ToTensors()[ImageBatch.PixelValuesName],
            LocalViews = views,
            MaskSeed = maskSeed,
        };
    }

    public void Dispose()
    {
        Pairs.Dispose();
        DecoderInputs?.Dispose(); DecoderTargets?.Dispose(); DecoderMask?.Dispose();
        GlobalViews?.Dispose(); LocalViews?.Dispose();
    }
}
