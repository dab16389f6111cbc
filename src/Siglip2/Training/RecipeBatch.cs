using Siglip2.Processing.Text;
using static TorchSharp.torch;

namespace Siglip2.Training;

/// <summary>
/// A batch for the full SigLIP 2 recipe: the image–text pairs (<see cref="Pairs"/>, original images), the LocCa decoder
/// rows (3 per image: captioning, referring expression, grounded caption) and, in stage 2, augmented views of the
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

    public void Dispose()
    {
        Pairs.Dispose();
        DecoderInputs?.Dispose(); DecoderTargets?.Dispose(); DecoderMask?.Dispose();
        GlobalViews?.Dispose(); LocalViews?.Dispose();
    }
}
