namespace Siglip2.Data;

/// <summary>One named item colour (sRGB, 0..255).</summary>
public sealed record NamedColor(int Id, string Name, byte R, byte G, byte B);

/// <summary>
/// The fixed palette that tints scene items. Ids are stable (they index the translated colour names of every
/// <see cref="CaptionLanguage"/>). An item without a colour id is untinted (the original gray).
/// </summary>
public static class ColorPalette
{
    public const int Red = 0, Orange = 1, Yellow = 2, Green = 3, Blue = 4, Purple = 5, Pink = 6, Brown = 7, White = 8, Black = 9;

    public static IReadOnlyList<NamedColor> Colors { get; } =
    [
        new(Red, "red", 215, 30, 35),
        new(Orange, "orange", 245, 130, 20),
        new(Yellow, "yellow", 245, 215, 25),
        new(Green, "green", 35, 155, 55),
        new(Blue, "blue", 30, 80, 215),
        new(Purple, "purple", 130, 45, 175),
        new(Pink, "pink", 245, 115, 180),
        new(Brown, "brown", 125, 75, 35),
        new(White, "white", 245, 245, 245),
        new(Black, "black", 20, 20, 20),
    ];

    public static int Count => Colors.Count;
}
