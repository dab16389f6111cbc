namespace Siglip2.Tasks;

/// <summary>
/// How well one image matches one text (<see cref="Siglip2Encoder.Score(float[], float[], CancellationToken)"/>).
/// </summary>
/// <param name="Logit">exp(logit_scale)·cos(image, text) + logit_bias, the model's <c>logits_per_image</c> entry.</param>
/// <param name="Probability">sigmoid(<see cref="Logit"/>), in [0, 1]; independent for every pair (no softmax).</param>
public readonly record struct ImageTextScore(float Logit, float Probability);
