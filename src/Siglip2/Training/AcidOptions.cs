namespace Siglip2.Training;

/// <summary>What an ACID continuation stage (<see cref="AcidContinuation.Execute"/>) is asked to do.</summary>
public sealed record AcidOptions
{
    /// <summary>
    /// 1e-4. The paper continues at 1e-5 (1% of its 1e-3 peak) for 4B examples, about 10⁵ steps of 32k; our stages are
    /// 10¹–10² steps, in which 1e-5 moves the weights by a negligible amount, so the default is 10% of the FashionScenes
    /// presets' peak (where their cosine schedule is at 90% of a run). <c>--lr 1e-5</c> gives the paper's value.
    /// </summary>
    public const double DefaultLearningRate = 1e-4;
    /// <summary>½: the SigLIP 2 setting for B/16 (¼ for B/32).</summary>
    public const double DefaultKeep = 0.5;
    /// <summary>Default stage length as a share of the learner's training steps (the paper adds 4B to 40B examples, 10%; our learners are short, so 25%).</summary>
    public const double DefaultStepShare = 0.25;

    /// <summary>The trained learner: a checkpoint folder with config.json, model.safetensors, tokenizer and preprocessor_config.json.</summary>
    public required string LearnerFolder { get; init; }
    /// <summary>The frozen teacher checkpoint (a larger or longer trained model; its own tokenizer and image size); required when <see cref="Curate"/>.</summary>
    public string? TeacherFolder { get; init; }
    public required string OutputFolder { get; init; }
    /// <summary>Folder with the four Fashion-MNIST IDX files; null = Debian's dataset-fashion-mnist.</summary>
    public string? DataDirectory { get; init; }
    /// <summary>false: the control — the same steps on the first B scenes of each super-batch, without scoring or teacher.</summary>
    public bool Curate { get; init; } = true;
    /// <summary>Fraction of each super-batch that is trained on, in (0, 1]; the super-batch holds ⌊B / keep⌋ scenes.</summary>
    public double Keep { get; init; } = DefaultKeep;
    /// <summary>Steps of the stage; null = <see cref="DefaultStepShare"/> of the learner's training steps (training_state.json).</summary>
    public long? Steps { get; init; }
    /// <summary>B, the examples trained on per step; null = the learner's batch size (recipe.json).</summary>
    public int? BatchSize { get; init; }
    /// <summary>Constant learning rate of the stage (no warm-up, no decay).</summary>
    public double LearningRate { get; init; } = DefaultLearningRate;
    public double GradClipNorm { get; init; } = 1.0;
    /// <summary>Index of the first training scene of the stage; null = right after the learner's training scenes (steps × batch).</summary>
    public long? FirstScene { get; init; }

    public void Validate()
    {
        if (double.IsNaN(Keep) || Keep <= 0 || Keep > 1) throw new Siglip2Exception($"the ACID keep fraction must be in (0, 1], got {Keep}");
        if (Curate && string.IsNullOrEmpty(TeacherFolder)) throw new Siglip2Exception("ACID needs a teacher checkpoint folder (or turn curation off for the control run)");
        if (Steps is < 1) throw new Siglip2Exception($"ACID steps must be ≥ 1, got {Steps}");
        if (BatchSize is < 1) throw new Siglip2Exception($"ACID batch size must be ≥ 1, got {BatchSize}");
        if (!(LearningRate > 0) || double.IsInfinity(LearningRate)) throw new Siglip2Exception($"ACID learning rate must be a positive number, got {LearningRate}");
        if (GradClipNorm < 0 || double.IsNaN(GradClipNorm)) throw new Siglip2Exception($"gradient clip norm must be ≥ 0 (0 = off), got {GradClipNorm}");
        if (FirstScene is < 0) throw new Siglip2Exception($"the first ACID scene must be ≥ 0, got {FirstScene}");
    }
}
