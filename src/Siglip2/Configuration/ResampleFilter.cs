namespace Siglip2.Configuration;

/// <summary>
/// Pillow's resampling filters, with Pillow's integer codes (<c>PIL.Image.Resampling</c>), which is what
/// the <c>resample</c> field of a Hugging Face <c>preprocessor_config.json</c> holds.
/// </summary>
public enum ResampleFilter
{
    Nearest = 0,
    Lanczos = 1,
    Bilinear = 2,
    Bicubic = 3,
    Box = 4,
    Hamming = 5,
}
