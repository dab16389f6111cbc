namespace Siglip2.Training;

/// <summary>
/// NaFlex training with a variable sequence length (SigLIP 2 §2.4.2): each batch uses a max_num_patches drawn from a
/// set (the paper samples from {128, 256, 576, 784, 1024}; scaled to the tiny presets e.g. {8, 16, 24, 36}), so one
/// model learns every budget. The draw is a deterministic function of (seed, step), so a resumed run sees the same
/// budgets.
/// </summary>
public sealed class PatchBudgetSchedule
{
    public IReadOnlyList<int> Budgets { get; }
    public long Seed { get; }

    public PatchBudgetSchedule(IReadOnlyList<int> budgets, long seed)
    {
        if (budgets.Count == 0 || budgets.Any(b => b < 1)) throw new Siglip2Exception("patch budgets must be a non-empty list of positive numbers, e.g. 8,16,24,36");
        Budgets = budgets.ToArray(); Seed = seed;
    }

    public int At(long step)
    {
        ulong h = unchecked((ulong)Seed * 0x9E3779B97F4A7C15UL ^ (ulong)step * 0xBF58476D1CE4E5B9UL);
        h ^= h >> 31; h *= 0x94D049BB133111EBUL; h ^= h >> 29;
        return Budgets[(int)(h % (ulong)Budgets.Count)];
    }
}

/// <summary>
/// Wraps one batch source per patch budget (each with its own NaFlex image processor) and takes batch <c>s</c> from the
/// source of <see cref="PatchBudgetSchedule.At"/>(s).
/// </summary>
public sealed class MixedPatchBudgetBatchSource(PatchBudgetSchedule schedule, IReadOnlyDictionary<int, ITrainingBatchSource> sources)
    : ITrainingBatchSource
{
    public TrainingBatch GetBatch(long step)
    {
        int budget = schedule.At(step);
        if (!sources.TryGetValue(budget, out var source))
            throw new Siglip2Exception($"no batch source for max_num_patches {budget}");
        return source.GetBatch(step);
    }
}
