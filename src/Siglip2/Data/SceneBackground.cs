namespace Siglip2.Data;

internal enum BackgroundStyle { Solid, Gradient, Noise }

internal readonly record struct Rgb(byte R, byte G, byte B)
{
    public double DistanceTo(NamedColor c) =>
        Math.Sqrt((R - c.R) * (R - c.R) + (G - c.G) * (G - c.G) + (B - c.B) * (B - c.B));
}

/// <summary>A background: its style, colours (the second only for gradients), gradient direction
/// (0 horizontal, 1 vertical, 2 diagonal) and noise amplitude.</summary>
internal readonly record struct Background(BackgroundStyle Style, Rgb Color, Rgb SecondColor, int GradientDirection, int NoiseAmplitude)
{
    /// <summary>The colour an item is judged against for contrast (the gradient's midpoint).</summary>
    public Rgb Mean => Style == BackgroundStyle.Gradient
        ? new((byte)((Color.R + SecondColor.R) / 2), (byte)((Color.G + SecondColor.G) / 2), (byte)((Color.B + SecondColor.B) / 2))
        : Color;
}
