using Siglip2.Processing.Images;

namespace Siglip2.Tasks.Benchmarking;

/// <summary>
/// The built-in calibration set of `--dtype auto`: deterministic synthetic images and a fixed list of captions, the
/// same on every machine and in every run (the fixtures' photos are not shipped to users). The images are smooth
/// colour fields with shapes and edges, closer to photos than noise is; they are 256×192 (resized by the checkpoint's
/// processor like any image).
/// </summary>
public static class CalibrationInputs
{
    public const int Count = 8;

    public static readonly IReadOnlyList<string> Texts =
    [
        "a photo of a cat sleeping on a sofa",
        "two people walking on a beach at sunset",
        "a red car parked in front of a house",
        "a bowl of fruit on a wooden table",
        "ein Hund spielt im Schnee",
        "une tasse de café sur un bureau",
        "a diagram with text and arrows",
        "mountains reflected in a lake",
    ];

    /// <summary>Image <paramref name="index"/> (0…<see cref="Count"/> − 1 or beyond; the pattern is a function of the index).</summary>
    public static RgbImage Image(int index, int width = 256, int height = 192)
    {
        var pixels = new byte[width * height * 3];
        // a xorshift generator (fixed seed per image) for the shapes' places and colours: System.Random's sequence
        // for a seed is not promised across .NET versions
        uint state = 2463534242u + (uint)index * 747796405u;
        uint Next() { state ^= state << 13; state ^= state >> 17; state ^= state << 5; return state; }
        double U() => Next() / (double)uint.MaxValue;
        var (r0, g0, b0) = (U(), U(), U());
        var (r1, g1, b1) = (U(), U(), U());
        double angle = U() * Math.PI;
        var circles = Enumerable.Range(0, 3).Select(_ => (X: U() * width, Y: U() * height, R: (0.1 + 0.25 * U()) * height, C: (U(), U(), U()))).ToArray();
        double stripe = 6 + 20 * U();
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                double t = Math.Clamp(0.5 + ((x - width / 2.0) * Math.Cos(angle) + (y - height / 2.0) * Math.Sin(angle)) / (width + height), 0, 1);
                double r = r0 + (r1 - r0) * t, g = g0 + (g1 - g0) * t, b = b0 + (b1 - b0) * t;
                foreach (var c in circles)
                    if ((x - c.X) * (x - c.X) + (y - c.Y) * (y - c.Y) < c.R * c.R) (r, g, b) = c.C;
                if (y > height * 3 / 4 && (int)(x / stripe) % 2 == 0) (r, g, b) = (r * 0.5, g * 0.5, b * 0.5);
                int i = (y * width + x) * 3;
                pixels[i] = (byte)Math.Round(255 * r);
                pixels[i + 1] = (byte)Math.Round(255 * g);
                pixels[i + 2] = (byte)Math.Round(255 * b);
            }
        return new RgbImage(width, height, pixels);
    }

    public static IReadOnlyList<RgbImage> Images(int count = Count) => Enumerable.Range(0, count).Select(i => Image(i)).ToArray();
}
