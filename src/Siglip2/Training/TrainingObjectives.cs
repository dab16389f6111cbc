namespace Siglip2.Training;

/// <summary>
/// Which SigLIP 2 objectives a run uses besides the sigmoid loss, and their settings (paper §2.2–2.3):
/// <list type="bullet">
/// <item>LocCa from the first step, weight <see cref="LoccaWeight"/> (1 = equal to the sigmoid loss): a decoder on the
///   image tokens learns captioning (half parallel / CapPa, half causal), referring expressions and grounded captions.</item>
/// <item>From <see cref="SelfDistillationStart"/> of training (0.8 in the paper), SILC + TIPS with an EMA teacher:
///   weights <see cref="SilcWeight"/> and <see cref="TipsWeight"/>, both times <see cref="SizeFactor"/>.</item>
/// </list>
/// The self-distillation losses run on the first <see cref="SslBatch"/> images of each batch (a compute cap for
/// CPU training; the paper uses the whole batch).
/// </summary>
public sealed record TrainingObjectives
{
    public bool Locca { get; init; }
    public double LoccaWeight { get; init; } = 1.0;
    /// <summary>Share of captioning rows decoded in parallel (CapPa); the rest use causal teacher forcing.</summary>
    public double ParallelShare { get; init; } = 0.5;
    /// <summary>Decoder sequence length (task token + prompt + answer), in tokens.</summary>
    public int LoccaLength { get; init; } = 40;
    /// <summary>Positions per chunk of the decoder cross-entropy.</summary>
    public int CrossEntropyChunk { get; init; } = 8;

    public bool SelfDistillation { get; init; }
    /// <summary>Share of the schedule after which stage 2 (SILC + TIPS) starts.</summary>
    public double SelfDistillationStart { get; init; } = 0.8;
    public double SilcWeight { get; init; } = 1.0;
    public double TipsWeight { get; init; } = 0.25;
    /// <summary>
    /// Multiplies both self-distillation weights. The paper uses 1 and 0.25 for B-sized models; for the tiny presets
    /// (w128, four layers, 16 patches) we keep 1 (documented in docs/training.md): the losses are on the same
    /// per-row scale as at B, and the short stage 2 would not profit from a smaller weight.
    /// </summary>
    public double SizeFactor { get; init; } = 1.0;
    public int SslBatch { get; init; } = 64;
    public int LocalViews { get; init; } = 8;
    /// <summary>Share of the student's patch embeddings replaced by the mask token (exact count ⌊S·ratio⌋).</summary>
    public double MaskRatio { get; init; } = 0.5;
    public double TeacherMomentum { get; init; } = 0.99;
    public int Prototypes { get; init; } = 1024;
    public double StudentTemperature { get; init; } = 0.1;
    public double TeacherTemperature { get; init; } = 0.04;
    public double CenterMomentum { get; init; } = 0.9;
    /// <summary>Global view: a random crop of this share of the area up to all of it (random aspect 3:4–4:3, flips).</summary>
    public double GlobalCropMin { get; init; } = 0.5;
    public double LocalCropMin { get; init; } = 0.1;
    public double LocalCropMax { get; init; } = 0.4;

    public long SelfDistillationStep(long totalSteps) => (long)Math.Floor(totalSteps * SelfDistillationStart);

    public void Validate()
    {
        if (LoccaWeight < 0 || SilcWeight < 0 || TipsWeight < 0 || SizeFactor < 0) throw new Siglip2Exception("objective weights must be ≥ 0");
        if (ParallelShare is < 0 or > 1) throw new Siglip2Exception($"parallel share must be in [0, 1], got {ParallelShare}");
        if (SelfDistillationStart is < 0 or > 1) throw new Siglip2Exception($"self-distillation start must be in [0, 1], got {SelfDistillationStart}");
        if (SslBatch < 1 || LocalViews < 1) throw new Siglip2Exception("SSL batch and local views must be ≥ 1");
        if (MaskRatio is <= 0 or >= 1) throw new Siglip2Exception($"mask ratio must be in (0, 1), got {MaskRatio}");
        if (TeacherMomentum is < 0 or > 1) throw new Siglip2Exception($"teacher momentum must be in [0, 1], got {TeacherMomentum}");
        if (LoccaLength < 8 || CrossEntropyChunk < 1) throw new Siglip2Exception("LocCa length must be ≥ 8 and the cross-entropy chunk ≥ 1");
    }
}
