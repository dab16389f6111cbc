namespace Siglip2.Tasks;

/// <summary>
/// One label of a zero-shot classification (<see cref="Siglip2Encoder.Classify(string, IReadOnlyList{string}, string, CancellationToken)"/>).
/// </summary>
/// <param name="Label">The label as given (not the filled-in prompt).</param>
/// <param name="Probability">
/// sigmoid(<see cref="Logit"/>): how well this label alone matches the image, in [0, 1]. SigLIP scores each pair with its
/// own sigmoid, so the probabilities of one image need not sum to 1.
/// </param>
/// <param name="Logit">exp(logit_scale)·cos(image, prompt) + logit_bias, the model's <c>logits_per_image</c> entry.</param>
public sealed record LabelProbability(string Label, float Probability, float Logit);
