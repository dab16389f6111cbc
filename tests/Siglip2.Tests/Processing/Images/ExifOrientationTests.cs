using Siglip2.Processing.Images;

namespace Siglip2.Tests.Processing.Images;

public class ExifOrientationTests
{
    // Source 3 wide × 2 high:  A B C / D E F  (labels stored in all three channels).
    private const byte A = 10, B = 20, C = 30, D = 40, E = 50, F = 60;

    private static RgbImage Source() => FromLabels(3, 2, [A, B, C, D, E, F]);

    private static RgbImage FromLabels(int w, int h, byte[] labels) =>
        new(w, h, labels.SelectMany(l => new[] { l, (byte)(l + 1), (byte)(l + 2) }).ToArray());

    // Expected layouts from the EXIF 2.3 orientation definitions (as PIL.ImageOps.exif_transpose displays them).
    public static TheoryData<int, int, int, byte[]> Cases() => new()
    {
        { 1, 3, 2, [A, B, C, D, E, F] },
        { 2, 3, 2, [C, B, A, F, E, D] },        // mirrored left-right
        { 3, 3, 2, [F, E, D, C, B, A] },        // rotated 180°
        { 4, 3, 2, [D, E, F, A, B, C] },        // mirrored top-bottom
        { 5, 2, 3, [A, D, B, E, C, F] },        // transposed
        { 6, 2, 3, [D, A, E, B, F, C] },        // rotated 90° clockwise
        { 7, 2, 3, [F, C, E, B, D, A] },        // transverse
        { 8, 2, 3, [C, F, B, E, A, D] },        // rotated 90° counter-clockwise
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesTheExifDefinition(int orientation, int width, int height, byte[] labels)
    {
        var result = ExifOrientation.Apply(Source(), orientation);
        Assert.Equal(width, result.Width);
        Assert.Equal(height, result.Height);
        Assert.Equal(FromLabels(width, height, labels).Pixels, result.Pixels);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(9)]
    public void UnknownValuesLeaveTheImageAlone(int orientation) =>
        Assert.Equal(Source().Pixels, ExifOrientation.Apply(Source(), orientation).Pixels);
}
