namespace Siglip2.Configuration;

/// <summary>
/// Configurations of the official SigLIP 2 checkpoints (paper Table 1; Hugging Face google/siglip2-*), so a model of
/// the right shape can be built without a download (e.g. for benchmarks). Real weights still come from a checkpoint.
/// </summary>
public static class ModelPresets
{
    private sealed record TowerShape(int Width, int Depth, int Mlp, int Heads);

    private static readonly TowerShape B = new(768, 12, 3072, 12);
    private static readonly TowerShape L = new(1024, 24, 4096, 16);
    private static readonly TowerShape So400m = new(1152, 27, 4304, 16);
    private static readonly TowerShape GiantOpt = new(1536, 40, 6144, 16);

    /// <summary>Preset names, e.g. <c>siglip2-base-patch16-224</c>, <c>siglip2-so400m-patch16-naflex</c>.</summary>
    public static IReadOnlyList<string> Names { get; } =
    [
        "siglip2-base-patch32-256",
        "siglip2-base-patch16-224", "siglip2-base-patch16-256", "siglip2-base-patch16-384", "siglip2-base-patch16-512",
        "siglip2-large-patch16-256", "siglip2-large-patch16-384", "siglip2-large-patch16-512",
        "siglip2-so400m-patch14-224", "siglip2-so400m-patch14-384",
        "siglip2-so400m-patch16-256", "siglip2-so400m-patch16-384", "siglip2-so400m-patch16-512",
        "siglip2-giant-opt-patch16-256", "siglip2-giant-opt-patch16-384",
        "siglip2-base-patch16-naflex", "siglip2-so400m-patch16-naflex",
    ];

    public static Siglip2Config Get(string name)
    {
        string n = name.StartsWith("google/") ? name["google/".Length..] : name;
        if (!Names.Contains(n))
            throw new Siglip2Exception($"unknown preset '{name}' (known: {string.Join(", ", Names)})");
        string[] parts = n.Split('-');
        // siglip2-<size>[-opt]-patch<P>-<res|naflex>
        string size = parts[1];
        int patchIndex = Array.FindIndex(parts, p => p.StartsWith("patch"));
        int patch = int.Parse(parts[patchIndex]["patch".Length..]);
        string last = parts[^1];
        TowerShape vision = size switch { "base" => B, "large" => L, "so400m" => So400m, "giant" => GiantOpt, _ => throw new InvalidOperationException() };
        TowerShape text = size == "giant" ? So400m : vision;
        bool naflex = last == "naflex";
        var textConfig = new TextConfig
        {
            ModelType = naflex ? "siglip2_text_model" : "siglip_text_model",
            VocabSize = 256000,
            HiddenSize = text.Width,
            IntermediateSize = text.Mlp,
            NumHiddenLayers = text.Depth,
            NumAttentionHeads = text.Heads,
            MaxPositionEmbeddings = 64,
            ProjectionSize = vision.Width,
        };
        var visionConfig = new VisionConfig
        {
            ModelType = naflex ? VisionConfig.NaflexModelType : VisionConfig.FixedModelType,
            HiddenSize = vision.Width,
            IntermediateSize = vision.Mlp,
            NumHiddenLayers = vision.Depth,
            NumAttentionHeads = vision.Heads,
            PatchSize = patch,
            ImageSize = naflex ? 224 : int.Parse(last),
            NumPatches = 256,
        };
        return new Siglip2Config
        {
            ModelType = naflex ? Siglip2Config.NaflexModelType : Siglip2Config.FixedModelType,
            Text = textConfig,
            Vision = visionConfig,
        };
    }
}
