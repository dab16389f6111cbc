namespace Siglip2.Tasks.Evaluation;

/// <summary>One row of the ablation for one seed: measured scores (NaN where the row has no decoder) and training time (continuations: their own stage only).</summary>
public sealed record AblationRow(string Name, string Objectives, long Seed, double ZeroShotEnglish, double ImageToTextR1, double TextToImageR1,
    double ReferringAccuracy, double SegmentationMeanIou, double FinalSigmoidLoss, double TrainSeconds)
{
    /// <summary>The depth linear probe (<see cref="DepthProbe"/>): RMSE in metres; NaN = not measured (the teacher, or a row cached before the probe existed).</summary>
    public double DepthRmse { get; init; } = double.NaN;

    /// <summary>The depth probe's δ1 (share of patches with max(pred/true, true/pred) &lt; 1.25); NaN = not measured.</summary>
    public double DepthDelta1 { get; init; } = double.NaN;

    /// <summary>Whether the depth probe was measured (rows cached before it existed lack it).</summary>
    public bool HasDepth => double.IsFinite(DepthRmse) && double.IsFinite(DepthDelta1);
}

/// <summary>The measured rows of every seed, and the ACID teacher's own scores (null without the ACID rows).</summary>
public sealed record AblationResult(IReadOnlyList<AblationRow> Rows, AblationRow? Teacher, string? TeacherDescription);

/// <summary>Progress of the ablation: which training (label) is at which step, with a short text.</summary>
public sealed record AblationProgress(string Label, long Step, long TotalSteps, string Detail);
