using Siglip2.Configuration;

namespace Siglip2.Processing.Images;

/// <summary>
/// Maps 8-bit channel values to the float32 values Hugging Face's processors produce, with their exact arithmetic:
/// <c>rescale</c> multiplies in float64 (<c>uint8 → float64 × rescale_factor</c>) and rounds to float32; <c>normalize</c>
/// then computes <c>(x − mean) / std</c> in float32 with mean and std rounded to float32. Since the input has only
/// 256 values per channel the result is a lookup table, bit-identical to the reference.
/// </summary>
internal sealed class PixelNormalizer
{
    private readonly float[][] _tables = new float[3][];

    public PixelNormalizer(PreprocessorConfig config)
    {
        for (int c = 0; c < 3; c++)
        {
            var table = new float[256];
            float mean = (float)config.ImageMean[c];
            float std = (float)config.ImageStd[c];
            for (int v = 0; v < 256; v++)
            {
                float x = config.DoRescale ? (float)(v * config.RescaleFactor) : v;
                if (config.DoNormalize)
                    x = (x - mean) / std;
                table[v] = x;
            }
            _tables[c] = table;
        }
    }

    /// <summary>Lookup table of channel <paramref name="channel"/> (0 red, 1 green, 2 blue).</summary>
    public float[] Table(int channel) => _tables[channel];
}
