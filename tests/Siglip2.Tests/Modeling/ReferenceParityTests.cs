using Siglip2.Checkpoints;
using Siglip2.Modeling;
using Siglip2.Tasks;
using Xunit.Abstractions;

namespace Siglip2.Tests.Modeling;

/// <summary>
/// Every tensor in the Hugging Face reference fixtures (tower hidden states, pooled outputs, embeddings, logits,
/// NaFlex resized position embeddings) reproduced from the stored inputs within the manifest tolerance.
/// </summary>
public class ReferenceParityTests(ITestOutputHelper output)
{
    public static TheoryData<string, AttentionImplementation> Cases => new()
    {
        { "siglip-tiny", AttentionImplementation.Eager },
        { "siglip-tiny", AttentionImplementation.Sdpa },
        { "siglip2-naflex-tiny", AttentionImplementation.Eager },
        { "siglip2-naflex-tiny", AttentionImplementation.Sdpa },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void EveryReferenceTensorMatchesWithinManifestTolerance(string fixture, AttentionImplementation attention)
    {
        using var model = CheckpointLoader.Load(FixturePaths.Path(fixture));
        model.SetAttentionImplementation(attention);
        var report = ReferenceVerification.Run(model, FixturePaths.Path(fixture, "expected.safetensors"));
        foreach (var c in report.Compared)
            output.WriteLine($"{c.Name,-34} max|Δ| {c.MaxAbsError:E2}  tol {c.Tolerance:E2}  {(c.Passed ? "ok" : "FAIL")}");
        Assert.Empty(report.Skipped);
        Assert.All(report.Compared, c => Assert.True(c.Passed, $"{c.Name}: max abs error {c.MaxAbsError} > {c.Tolerance}"));
        string[] required = ["vision_last_hidden_state", "vision_pooler_output", "text_last_hidden_state", "text_pooler_output",
            "image_embeds", "text_embeds", "logits_per_image", "logits_per_text", "text_masked_pooler_output", "vision_hidden_state_0"];
        foreach (var name in required) Assert.Contains(report.Compared, c => c.Name == name);
        if (fixture.Contains("naflex")) Assert.Contains(report.Compared, c => c.Name == "resized_position_embeddings");
    }

    [Fact]
    public void PerturbedWeightIsDetected()
    {
        // The comparison must be able to fail: change one LayerNorm bias and the pooled output moves beyond tolerance.
        using var model = CheckpointLoader.Load(FixturePaths.Path("siglip-tiny"));
        using (TorchSharp.torch.no_grad())
            model.Vision.PostLayerNorm.bias!.add_(1e-3);
        var report = ReferenceVerification.Run(model, FixturePaths.Path("siglip-tiny", "expected.safetensors"));
        Assert.False(report.Passed);
        Assert.Contains(report.Compared, c => c.Name == "vision_last_hidden_state" && !c.Passed);
        Assert.Contains(report.Compared, c => c.Name == "text_last_hidden_state" && c.Passed);
    }
}
