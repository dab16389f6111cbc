namespace Siglip2.Processing.Images;

/// <summary>
/// The NaFlex target size of Hugging Face's <c>get_image_size_for_max_num_patches</c>
/// (transformers/models/siglip2/image_processing_siglip2.py): binary search, in double precision, for the largest
/// scale such that with each side mapped to <c>max(p, ceil(side·scale / p)·p)</c> the patch grid has at most
/// <c>max_num_patches</c> cells. The search runs on [1e-6, 100] until the interval is narrower than 1e-5.
/// </summary>
public static class NaFlexResizeRule
{
    /// <summary>Returns the (height, width) in pixels, both multiples of <paramref name="patchSize"/>.</summary>
    public static (int Height, int Width) TargetSize(int imageHeight, int imageWidth, int patchSize, int maxNumPatches)
    {
        if (imageHeight <= 0 || imageWidth <= 0) throw new ArgumentOutOfRangeException(nameof(imageHeight), "image size must be positive");
        if (patchSize <= 0) throw new ArgumentOutOfRangeException(nameof(patchSize), "patch size must be positive");
        if (maxNumPatches <= 0) throw new ArgumentOutOfRangeException(nameof(maxNumPatches), "max_num_patches must be positive");

        const double eps = 1e-5;
        double scaleMin = eps / 10, scaleMax = 100.0;
        while (scaleMax - scaleMin >= eps)
        {
            double scale = (scaleMin + scaleMax) / 2;
            long h = ScaledSide(scale, imageHeight, patchSize);
            long w = ScaledSide(scale, imageWidth, patchSize);
            double patches = ((double)h / patchSize) * ((double)w / patchSize);
            if (patches <= maxNumPatches) scaleMin = scale;
            else scaleMax = scale;
        }
        return (checked((int)ScaledSide(scaleMin, imageHeight, patchSize)), checked((int)ScaledSide(scaleMin, imageWidth, patchSize)));
    }

    private static long ScaledSide(double scale, int size, int patchSize)
    {
        double scaled = size * scale;
        double rounded = Math.Ceiling(scaled / patchSize) * patchSize;
        return (long)Math.Max(patchSize, rounded);
    }
}
