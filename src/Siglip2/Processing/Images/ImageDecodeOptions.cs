namespace Siglip2.Processing.Images;

/// <summary>How <see cref="ImageDecoder"/> turns a file into RGB pixels.</summary>
public sealed record ImageDecodeOptions
{
    /// <summary>
    /// Pillow's decompression-bomb error threshold: twice <c>PIL.Image.MAX_IMAGE_PIXELS</c> (89,478,485), the size
    /// above which <c>Image.open</c> raises <c>DecompressionBombError</c>. About 0.7 GB of RGBA while decoding.
    /// </summary>
    public const long DefaultMaxPixels = 178_956_970;

    /// <summary>
    /// Rotate/flip the pixels as the EXIF orientation tag says (like <c>PIL.ImageOps.exif_transpose</c>). On by
    /// default because that is how viewers show the photo; Hugging Face's processors do not do it themselves, so
    /// turn it off to reproduce <c>processor(Image.open(path))</c> on a rotated JPEG bit for bit.
    /// </summary>
    public bool ApplyExifOrientation { get; init; } = true;

    /// <summary>Largest width × height accepted, checked from the header before any pixel is decoded.</summary>
    public long MaxPixels { get; init; } = DefaultMaxPixels;

    public static ImageDecodeOptions Default { get; } = new();
}
