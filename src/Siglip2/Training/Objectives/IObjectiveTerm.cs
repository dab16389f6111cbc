using Siglip2.Modeling;
using TorchSharp.Modules;

namespace Siglip2.Training.Objectives;

/// <summary>
/// One term of the training loss, as a configured loss object (open_clip's <c>SigLipLoss</c> / <c>CoCaLoss</c>,
/// big_vision's per-objective config): it owns the modules it adds (decoder, heads, teacher), says from which step it
/// is on, checks that a batch carries its inputs, computes its weighted loss components from the step's shared forward
/// pass, and saves / loads / converts its own state. <see cref="Trainer"/> sums the components of every active term in
/// order: total = Σ weight·loss.
/// </summary>
public interface IObjectiveTerm : IDisposable
{
    /// <summary>The term's name (<c>sigmoid</c>, <c>locca</c>, <c>silc_tips</c>); a continuation matches terms by it.</summary>
    string Name { get; }

    /// <summary>Names of the loss components the term reports, in the order <see cref="Compute"/> returns them.</summary>
    IReadOnlyList<string> Components { get; }

    /// <summary>First 0-based step the term is on (its start fraction of the schedule, floored).</summary>
    long StartStep { get; }

    /// <summary>Trainable parameters the term adds beside the model's, with checkpoint-unique names (optimizer order).</summary>
    IEnumerable<(string Name, Parameter Parameter)> Parameters { get; }

    /// <summary>Throws a one-line <see cref="Siglip2Exception"/> when the batch of step <paramref name="step"/> lacks the term's inputs.</summary>
    void CheckBatch(RecipeBatch batch, long step);

    /// <summary>Called before the forward pass of every step at which the term is active.</summary>
    void BeforeStep(long step) { }

    /// <summary>The term's loss components (differentiable scalars) and their weights.</summary>
    IReadOnlyList<LossComponent> Compute(TermInputs inputs);

    /// <summary>Called after the optimizer step of every step at which the term is active (e.g. the EMA teacher update).</summary>
    void AfterStep(long step) { }

    /// <summary>Writes the term's state beside the model checkpoint.</summary>
    void Save(string folder) { }

    /// <summary>Reads the state <see cref="Save"/> wrote; <paramref name="step"/> is the resumed run's completed steps.</summary>
    void Load(string folder, long step) { }

    /// <summary>Copies the state of the same term of the run being continued, its image-side tensors converted by <paramref name="conversion"/>.</summary>
    void ContinueFrom(IObjectiveTerm source, IVisionTowerConversion conversion) { }
}
