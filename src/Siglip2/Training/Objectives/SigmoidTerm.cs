using TorchSharp.Modules;

namespace Siglip2.Training.Objectives;

/// <summary>
/// The SigLIP sigmoid loss on the batch's pairs, from the first step, weight 1. The loss function is injectable
/// (<see cref="TrainingProcess.SigmoidLoss"/>): by default <see cref="SigmoidLoss.Compute"/>, or its ring-chunked form
/// when <see cref="TrainingOptions.LossChunks"/> &gt; 1; a data-parallel run passes the cross-rank loss, which has the
/// same signature.
/// </summary>
public sealed class SigmoidTerm(SigmoidLossFunction loss) : IObjectiveTerm
{
    public const string TermName = "sigmoid";

    public string Name => TermName;
    public IReadOnlyList<string> Components { get; } = [TermName];
    public long StartStep => 0;
    public IEnumerable<(string Name, Parameter Parameter)> Parameters => [];

    /// <summary>The loss of one process: the full (B, B) logit matrix, or <paramref name="chunks"/> simulated devices.</summary>
    public static SigmoidLossFunction Local(int chunks) => chunks > 1
        ? (images, texts, scale, bias) => SigmoidLoss.ComputeChunked(images, texts, scale, bias, (int)Math.Min(chunks, images.shape[0]))
        : SigmoidLoss.Compute;

    public void CheckBatch(RecipeBatch batch, long step) { }

    public IReadOnlyList<LossComponent> Compute(TermInputs x) =>
        [new(TermName, loss(x.ImageEmbeds, x.TextEmbeds, x.Model.LogitScale!, x.Model.LogitBias!), 1.0)];

    public void Dispose() { }
}
