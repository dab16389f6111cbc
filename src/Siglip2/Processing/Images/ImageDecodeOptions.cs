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

    /// <summary>
    /// Off (null) by default. When set, a JPEG is decoded straight at the smallest DCT scale (1/2, 1/4 or 1/8, as
    /// libjpeg and Pillow's <c>Image.draft</c> do) that keeps both sides at least this many pixels. A 12 MP photo then
    /// decodes at 500×375 instead of 4000×3000, several times faster.
    /// The pixels then differ slightly from a full decode followed by resizing, so the embeddings are not bit-equal to
    /// transformers'. It is meant for bulk indexing (<c>siglip2 index</c> by default; <c>--exact-decode</c> turns it off), never for verification.
    /// </summary>
    public int? JpegMinimumSide { get; init; }

    public static ImageDecodeOptions Default { get; } = new();
}
