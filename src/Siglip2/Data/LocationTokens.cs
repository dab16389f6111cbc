using System.Globalization;
using System.Text.RegularExpressions;

namespace Siglip2.Data;

/// <summary>
/// Writes boxes as text for location-aware captioning (LocCa) and reads them back. A box edge x in [0, W]
/// becomes the grid index round(x · (Bins−1) / W) (0 = left/top canvas edge, Bins−1 = right/bottom edge),
/// the same for y with H; the four indices are written in the order x0 y0 x1 y1. Decoding maps an index q
/// back to round(q · W / (Bins−1)); the round trip is exact when the canvas side is at most Bins−1 pixels and
/// off by at most W / (2·(Bins−1)) pixels otherwise.
/// </summary>
public sealed partial class LocationTokens
{
    public int Bins { get; }
    public LocationFormat Format { get; }

    public LocationTokens(int bins = 100, LocationFormat format = LocationFormat.Digits)
    {
        if (bins < 2 || bins > 10_000)
            throw new Siglip2Exception($"location bins {bins} out of range; use 2..10000 (e.g. 100)");
        Bins = bins; Format = format;
    }

    /// <summary>Every location token "&lt;loc0&gt;" … "&lt;loc{Bins−1}&gt;" (user-defined pieces for the tokenizer).</summary>
    public IReadOnlyList<string> AllTokens => Enumerable.Range(0, Bins).Select(Token).ToArray();

    public static string Token(int index) => $"<loc{index.ToString(CultureInfo.InvariantCulture)}>";

    /// <summary>The grid indices (x0, y0, x1, y1) of a box on a width×height canvas.</summary>
    public (int X0, int Y0, int X1, int Y1) Quantize(PixelBox box, int width, int height)
    {
        if (width <= 0 || height <= 0) throw new ArgumentOutOfRangeException(nameof(width), "canvas size must be positive");
        if (!box.FitsIn(width, height)) throw new ArgumentOutOfRangeException(nameof(box), $"box {box} is not inside {width}×{height}");
        return (ToGrid(box.X0, width), ToGrid(box.Y0, height), ToGrid(box.X1, width), ToGrid(box.Y1, height));
    }

    /// <summary>The pixel box for grid indices; never empty (a collapsed edge pair is widened by one pixel).</summary>
    public PixelBox Dequantize(int qx0, int qy0, int qx1, int qy1, int width, int height)
    {
        foreach (int q in (ReadOnlySpan<int>)[qx0, qy0, qx1, qy1])
            if (q < 0 || q >= Bins) throw new ArgumentOutOfRangeException(nameof(qx0), $"grid index {q} is outside 0..{Bins - 1}");
        var (x0, x1) = Edges(FromGrid(qx0, width), FromGrid(qx1, width), width);
        var (y0, y1) = Edges(FromGrid(qy0, height), FromGrid(qy1, height), height);
        return new PixelBox(x0, y0, x1, y1);
    }

    public string Encode(PixelBox box, int width, int height)
    {
        var (x0, y0, x1, y1) = Quantize(box, width, height);
        return Format == LocationFormat.Digits
            ? string.Create(CultureInfo.InvariantCulture, $"{x0} {y0} {x1} {y1}")
            : Token(x0) + Token(y0) + Token(x1) + Token(y1);
    }

    /// <summary>Reads a box written by <see cref="Encode"/> (either format); false when the text is not one.</summary>
    public bool TryDecode(string text, int width, int height, out PixelBox box)
    {
        box = default;
        var match = (Format == LocationFormat.Digits ? DigitsPattern() : TokensPattern()).Match(text.Trim());
        if (!match.Success) return false;
        var q = new int[4];
        for (int i = 0; i < 4; i++)
        {
            if (!int.TryParse(match.Groups[i + 1].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out q[i]) || q[i] >= Bins)
                return false;
        }
        box = Dequantize(q[0], q[1], q[2], q[3], width, height);
        return true;
    }

    public PixelBox Decode(string text, int width, int height) =>
        TryDecode(text, width, height, out var box)
            ? box
            : throw new Siglip2Exception($"'{text}' is not a box in the {Format} location format with {Bins} bins (expected e.g. '{Encode(new PixelBox(0, 0, width, height), width, height)}')");

    private int ToGrid(int pixel, int side) => (int)Math.Round((double)pixel * (Bins - 1) / side, MidpointRounding.AwayFromZero);

    private int FromGrid(int index, int side) => (int)Math.Round((double)index * side / (Bins - 1), MidpointRounding.AwayFromZero);

    private static (int Start, int End) Edges(int start, int end, int side)
    {
        if (end < start) (start, end) = (end, start);
        if (end == start)
        {
            if (end < side) end++;
            else start--;
        }
        return (start, end);
    }

    [GeneratedRegex(@"^(\d+) (\d+) (\d+) (\d+)$")]
    private static partial Regex DigitsPattern();

    [GeneratedRegex(@"^<loc(\d+)><loc(\d+)><loc(\d+)><loc(\d+)>$")]
    private static partial Regex TokensPattern();
}
