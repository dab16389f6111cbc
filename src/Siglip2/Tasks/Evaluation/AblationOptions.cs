using Siglip2.Training;

namespace Siglip2.Tasks.Evaluation;

/// <summary>What <see cref="AblationStudy.Run"/> measures and where it writes.</summary>
public sealed record AblationOptions
{
    public required string OutputFolder { get; init; }
    public string? DataDirectory { get; init; }
    /// <summary>The shared recipe of every row (model, data, steps, batch); the rows differ only in objectives. Its Seed is replaced by each of <see cref="Seeds"/>.</summary>
    public TrainingRecipe Recipe { get; init; } = AblationStudy.DefaultRecipe;
    /// <summary>Every row is trained and evaluated once per seed (initialisation, data order, tokenizer corpus, augmentations, held-out scenes).</summary>
    public IReadOnlyList<long> Seeds { get; init; } = [0, 1];
    public int ZeroShotImages { get; init; } = 2000;
    public int RetrievalScenes { get; init; } = 500;
    public int ReferringScenes { get; init; } = 150;
    public int ProbeTrainScenes { get; init; } = 300;
    public int ProbeTestScenes { get; init; } = 200;

    /// <summary>Add the "SigLIP 2 + ACID" row and its control ("SigLIP 2 + extra steps", no curation).</summary>
    public bool Acid { get; init; } = true;
    /// <summary>Steps of the ACID and control continuations; null = <see cref="AcidOptions.DefaultStepShare"/> of the rows' steps.</summary>
    public long? AcidSteps { get; init; }
    public double AcidKeep { get; init; } = AcidOptions.DefaultKeep;
    public double AcidLearningRate { get; init; } = AcidOptions.DefaultLearningRate;
    /// <summary>An existing teacher checkpoint; null = train <see cref="AblationStudy.TeacherRecipe"/> once into OUT/acid-teacher (cached).</summary>
    public string? TeacherFolder { get; init; }

    public long AcidStepCount => AcidSteps ?? Math.Max(1, (long)Math.Round(Recipe.Steps * AcidOptions.DefaultStepShare));

    public void Validate()
    {
        if (Seeds.Count == 0) throw new Siglip2Exception("the ablation needs at least one seed");
        if (Seeds.Distinct().Count() != Seeds.Count) throw new Siglip2Exception($"the ablation seeds must differ, got {string.Join(",", Seeds)}");
        if (Seeds.Any(s => s < 0)) throw new Siglip2Exception($"the ablation seeds must be ≥ 0, got {string.Join(",", Seeds)}");
        if (AcidSteps is < 1) throw new Siglip2Exception($"ACID steps must be ≥ 1, got {AcidSteps}");
        if (double.IsNaN(AcidKeep) || AcidKeep <= 0 || AcidKeep > 1) throw new Siglip2Exception($"the ACID keep fraction must be in (0, 1], got {AcidKeep}");
        if (!(AcidLearningRate > 0)) throw new Siglip2Exception($"the ACID learning rate must be > 0, got {AcidLearningRate}");
        if (TeacherFolder is not null && !Directory.Exists(TeacherFolder)) throw new Siglip2Exception($"teacher checkpoint folder not found: {TeacherFolder}");
    }
}
