using Siglip2.Configuration;

namespace Siglip2.Processing.Images;

/// <summary>Turns decoded RGB images into model inputs (it never runs the model).</summary>
public interface IImageProcessor
{
    PreprocessorConfig Config { get; }

    /// <summary>Preprocesses a batch of images, in order.</summary>
    ImageBatch Preprocess(IReadOnlyList<RgbImage> images);
}
