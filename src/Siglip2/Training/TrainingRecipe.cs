using Siglip2.Configuration;
using Siglip2.Data;

namespace Siglip2.Training;

/// <summary>
/// A whole FashionScenes experiment in one readable record: model shape, data mix, tokenizer, optimisation.
/// <see cref="Presets"/> holds the named ones (`siglip2 train --preset NAME`).
/// </summary>
public sealed record TrainingRecipe
{
    public required string Name { get; init; }
    public required string Description { get; init; }

    // ---- image tower ----
    public bool Naflex { get; init; }
    public int ImageSize { get; init; } = 28;          // fixed resolution: square side
    public int PatchSize { get; init; } = 7;
    public int MaxNumPatches { get; init; } = 16;      // NaFlex: patches per image
    public int VisionWidth { get; init; } = 128;
    public int VisionDepth { get; init; } = 4;
    public int VisionHeads { get; init; } = 4;
    public int VisionMlp { get; init; } = 512;

    // ---- text tower ----
    public int TextWidth { get; init; } = 128;
    public int TextDepth { get; init; } = 2;
    public int TextHeads { get; init; } = 4;
    public int TextMlp { get; init; } = 512;
    public int TextLength { get; init; } = 24;
    public int VocabSize { get; init; } = 2048;

    // ---- data ----
    public FashionScenesConfig Scenes { get; init; } = new() { GrayShare = 0.5, SingleItemShare = 0.6, MaxItems = 3, MaxLongSide = 84 };
    /// <summary>Scenes (FashionScenes) or first captions (image–text data) the tokenizer is trained on.</summary>
    public int TokenizerCorpusScenes { get; init; } = 20_000;
    /// <summary>
    /// The image–text data spec a run of this recipe trained on from scratch (<see cref="UserDataTrainingRun"/>); null =
    /// FashionScenes. Recorded so that a resume takes the same data and the FashionScenes-only stages refuse the run.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? ImageTextData { get; init; }
    /// <summary>
    /// Data balancing of the caption attribute (<see cref="AttributeBalancing"/>, the fairness experiment): null = none;
    /// otherwise calibrated on the first <see cref="BalancingCalibrationScenes"/> scenes of the run's stream and applied
    /// to windows of <see cref="BalancingWindow"/> batches.
    /// </summary>
    public BalancingOrder? AttributeBalancing { get; init; }
    public int BalancingCalibrationScenes { get; init; } = 20_000;
    public int BalancingWindow { get; init; } = 2;

    // ---- optimisation ----
    public int BatchSize { get; init; } = 512;
    public long Steps { get; init; } = 400;
    public double LearningRate { get; init; } = 1e-3;
    public double WarmupShare { get; init; } = 0.05;
    public double WeightDecay { get; init; } = 1e-4;
    public double GradClipNorm { get; init; } = 1.0;
    public long Seed { get; init; }

    // ---- SigLIP 2 objectives beyond the sigmoid loss (off by default; see Trainer.CreateTerms) ----
    public TrainingObjectives Objectives { get; init; } = new();

    /// <summary>The scenes a run of this recipe trains on: <see cref="Scenes"/> with the recipe's <see cref="Seed"/>.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public FashionScenesConfig RunScenes => Scenes with { Seed = Seed };

    public Siglip2Config ModelConfig(int vocabSize) => new()
    {
        ModelType = Naflex ? Siglip2Config.NaflexModelType : Siglip2Config.FixedModelType,
        Text = new TextConfig
        {
            ModelType = Naflex ? "siglip2_text_model" : "siglip_text_model",
            VocabSize = vocabSize, HiddenSize = TextWidth, IntermediateSize = TextMlp, NumHiddenLayers = TextDepth,
            NumAttentionHeads = TextHeads, MaxPositionEmbeddings = TextLength, ProjectionSize = VisionWidth,
            PadTokenId = 0, EosTokenId = 1, BosTokenId = 2,
        },
        Vision = new VisionConfig
        {
            ModelType = Naflex ? VisionConfig.NaflexModelType : VisionConfig.FixedModelType,
            HiddenSize = VisionWidth, IntermediateSize = VisionMlp, NumHiddenLayers = VisionDepth, NumAttentionHeads = VisionHeads,
            ImageSize = ImageSize, PatchSize = PatchSize, NumPatches = Naflex ? MaxNumPatches : 256,
        },
    };

    public TrainingOptions Options() => new()
    {
        Seed = Seed,
        Schedule = new LearningRateSchedule(LearningRate, Math.Max(1, (long)Math.Round(Steps * WarmupShare)), Steps),
        WeightDecay = WeightDecay,
        GradClipNorm = GradClipNorm,
    };

    /// <summary>preprocessor_config.json of the trained checkpoint (the official SigLIP 2 settings: bilinear, mean = std = 0.5).</summary>
    public string PreprocessorConfigJson() => Naflex
        ? $$"""
          {
            "do_convert_rgb": null, "do_normalize": true, "do_rescale": true, "do_resize": true,
            "image_mean": [0.5, 0.5, 0.5], "image_processor_type": "Siglip2ImageProcessor", "image_std": [0.5, 0.5, 0.5],
            "max_num_patches": {{MaxNumPatches}}, "patch_size": {{PatchSize}}, "resample": 2, "rescale_factor": 0.00392156862745098
          }
          """
        : $$"""
          {
            "do_convert_rgb": null, "do_normalize": true, "do_rescale": true, "do_resize": true,
            "image_mean": [0.5, 0.5, 0.5], "image_processor_type": "SiglipImageProcessor", "image_std": [0.5, 0.5, 0.5],
            "resample": 2, "rescale_factor": 0.00392156862745098, "size": {"height": {{ImageSize}}, "width": {{ImageSize}}}
          }
          """;

    /// <summary>tokenizer_config.json of the trained checkpoint: the SigLIP 2 rule (no BOS, EOS appended, right padding).</summary>
    public string TokenizerConfigJson() => $$"""
        {
          "add_bos_token": false, "add_eos_token": true, "bos_token": "<bos>", "eos_token": "<eos>", "pad_token": "<pad>",
          "unk_token": "<unk>", "model_max_length": {{TextLength}}, "padding_side": "right", "tokenizer_class": "GemmaTokenizer",
          "model_input_names": ["input_ids"]
        }
        """;

    public static IReadOnlyList<TrainingRecipe> Presets { get; } =
    [
        new()
        {
            Name = "tiny",
            Description = "default: ViT p7 w128 d4 at 28×28, text w128 d2, batch 512 — about 10 minutes of training on 2 cores",
        },
        new()
        {
            Name = "tiny-naflex",
            Description = "the tiny model with a NaFlex image tower (aspect-preserving, 16 patches of 7×7)",
            Naflex = true, MaxNumPatches = 16,
        },
        new()
        {
            Name = "small",
            Description = "quality preset: ViT p7 w160 d5 at 28×28, text w160 d2, vocabulary 4096, 1600 steps — about an hour on 2 cores",
            VisionWidth = 160, VisionDepth = 5, VisionHeads = 5, VisionMlp = 640,
            TextWidth = 160, TextDepth = 2, TextHeads = 5, TextMlp = 640, VocabSize = 4096,
            Steps = 1600,
        },
        new()
        {
            Name = "smoke",
            Description = "a few steps of a very small model, for checking the pipeline (tests, CI)",
            VisionWidth = 32, VisionDepth = 1, VisionHeads = 2, VisionMlp = 64,
            TextWidth = 32, TextDepth = 1, TextHeads = 2, TextMlp = 64, VocabSize = 1024, TokenizerCorpusScenes = 2000,
            BatchSize = 32, Steps = 20, LearningRate = 3e-3,
        },
    ];

    public static TrainingRecipe Get(string name) =>
        Presets.FirstOrDefault(p => p.Name == name)
        ?? throw new Siglip2Exception($"unknown training preset '{name}' (presets: {string.Join(", ", Presets.Select(p => p.Name))})");
}
