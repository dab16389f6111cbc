namespace Siglip2.Training;

/// <summary>
/// Where a main run keeps the full training state at the points the continuation stages start from (paper §2.4):
/// after step ⌊0.90·T⌋ (NaFlex) and ⌊0.95·T⌋ (fixed-resolution variants), T = the schedule's total steps, in
/// <c>RUN/stage-snapshots/step-NNNNNN/</c>. A snapshot holds the same files as a training checkpoint of its trainer
/// (model, optimizer moments, training state, and for recipe runs the decoder / self-distillation state).
/// </summary>
public static class StageSnapshots
{
    public const string FolderName = "stage-snapshots";

    /// <summary>Percent of the schedule after which each variant starts (integers, so ⌊T·p/100⌋ is exact).</summary>
    public static int StartPercent(StageVariant variant) => variant switch
    {
        StageVariant.Naflex => 90,
        StageVariant.Fixed => 95,
        _ => throw new ArgumentOutOfRangeException(nameof(variant)),
    };

    /// <summary>Steps completed when the variant's snapshot is taken: ⌊T·p/100⌋.</summary>
    public static long StepFor(StageVariant variant, long totalSteps)
    {
        if (totalSteps < 1) throw new Siglip2Exception($"a schedule needs at least one step, got {totalSteps}");
        return totalSteps * StartPercent(variant) / 100;
    }

    /// <summary>The distinct snapshot steps of a T-step schedule, ascending; steps 0 and T are left out (nothing to continue).</summary>
    public static IReadOnlyList<long> Steps(long totalSteps) =>
        Enum.GetValues<StageVariant>().Select(v => StepFor(v, totalSteps)).Where(s => s > 0 && s < totalSteps).Distinct().Order().ToList();

    public static string Folder(string runFolder, long step) => Path.Combine(runFolder, FolderName, $"step-{step:D6}");
}
