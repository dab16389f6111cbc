namespace Siglip2.Data;

/// <summary>
/// An axis-aligned box in pixels, half-open: columns X0..X1-1 and rows Y0..Y1-1 (so X1-X0 is the width).
/// </summary>
public readonly record struct PixelBox(int X0, int Y0, int X1, int Y1)
{
    public int Width => X1 - X0;
    public int Height => Y1 - Y0;
    public bool IsEmpty => X1 <= X0 || Y1 <= Y0;

    public bool Contains(int x, int y) => x >= X0 && x < X1 && y >= Y0 && y < Y1;

    /// <summary>Whether the box lies inside a canvas of the given size.</summary>
    public bool FitsIn(int width, int height) => X0 >= 0 && Y0 >= 0 && X1 <= width && Y1 <= height && !IsEmpty;

    /// <summary>Whether the two boxes, each grown by <paramref name="gap"/> pixels, share a pixel.</summary>
    public bool Overlaps(PixelBox other, int gap = 0) =>
        X0 < other.X1 + gap && other.X0 < X1 + gap && Y0 < other.Y1 + gap && other.Y0 < Y1 + gap;

    public override string ToString() => $"({X0},{Y0},{X1},{Y1})";
}
