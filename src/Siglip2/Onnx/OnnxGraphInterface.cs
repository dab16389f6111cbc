namespace Siglip2.Onnx;

/// <summary>The names and order of an exported graph's inputs and outputs.</summary>
public enum OnnxGraphInterface
{
    /// <summary>
    /// Hugging Face's names, as transformers.js / onnx-community exports use them: inputs <c>pixel_values</c> (+ NaFlex
    /// <c>pixel_attention_mask</c>, <c>spatial_shapes</c>) or <c>input_ids</c> (int64); outputs <c>last_hidden_state</c>,
    /// <c>pooler_output</c> and the L2-normalised <c>image_embeds</c> / <c>text_embeds</c>.
    /// </summary>
    HuggingFace,

    /// <summary>
    /// Immich's machine-learning service: input <c>image</c> (batch, 3, H, W) normalised pixels or <c>text</c> (batch,
    /// context_length) int32 ids; one output, <c>embedding</c>, L2-normalised (Immich reads the first output).
    /// Fixed-resolution image towers only.
    /// </summary>
    Immich,
}
