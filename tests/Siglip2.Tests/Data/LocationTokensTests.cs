using Siglip2.Data;

namespace Siglip2.Tests.Data;

public class LocationTokensTests
{
    [Fact]
    public void KnownBoxesGiveHandComputedText()
    {
        var digits = new LocationTokens(100);
        // 112×56 canvas, box x 28..56, y 14..42: 28·99/112 = 24.75 → 25, 14·99/56 = 24.75 → 25,
        // 56·99/112 = 49.5 → 50 (half away from zero), 42·99/56 = 74.25 → 74.
        Assert.Equal("25 25 50 74", digits.Encode(new PixelBox(28, 14, 56, 42), 112, 56));
        Assert.Equal("0 0 99 99", digits.Encode(new PixelBox(0, 0, 30, 20), 30, 20));
        var tokens = new LocationTokens(100, LocationFormat.LocTokens);
        Assert.Equal("<loc25><loc25><loc50><loc74>", tokens.Encode(new PixelBox(28, 14, 56, 42), 112, 56));
        Assert.Equal(100, tokens.AllTokens.Count);
        Assert.Equal("<loc99>", tokens.AllTokens[^1]);
        // Back: 25·112/99 = 28.28 → 28, 25·56/99 = 14.14 → 14, 50·112/99 = 56.57 → 57, 74·56/99 = 41.86 → 42.
        Assert.Equal(new PixelBox(28, 14, 57, 42), tokens.Decode("<loc25><loc25><loc50><loc74>", 112, 56));
    }

    [Fact]
    public void RoundTripIsExactWhenTheGridIsFinerThanThePixels()
    {
        var random = new Random(5);
        foreach (var format in new[] { LocationFormat.Digits, LocationFormat.LocTokens })
        {
            var fine = new LocationTokens(1000, format);
            var coarse = new LocationTokens(100, format);
            for (int i = 0; i < 5000; i++)
            {
                int w = random.Next(1, 113), h = random.Next(1, 113);
                int x0 = random.Next(0, w), y0 = random.Next(0, h);
                var box = new PixelBox(x0, y0, random.Next(x0 + 1, w + 1), random.Next(y0 + 1, h + 1));
                Assert.Equal(box, fine.Decode(fine.Encode(box, w, h), w, h));
                // 100 bins: exact up to 99 px, within one pixel per edge above.
                var back = coarse.Decode(coarse.Encode(box, w, h), w, h);
                if (w <= 99 && h <= 99) Assert.Equal(box, back);
                Assert.InRange(Math.Abs(back.X0 - box.X0), 0, 1);
                Assert.InRange(Math.Abs(back.Y1 - box.Y1), 0, 1);
                Assert.True(back.FitsIn(w, h));
            }
        }
    }

    [Fact]
    public void TextToBoxToTextIsTheIdentityOnTheGrid()
    {
        var random = new Random(6);
        var loc = new LocationTokens(64, LocationFormat.LocTokens);
        for (int i = 0; i < 2000; i++)
        {
            int qx0 = random.Next(0, 63), qy0 = random.Next(0, 63);
            int qx1 = random.Next(qx0 + 1, 64), qy1 = random.Next(qy0 + 1, 64);
            string text = LocationTokens.Token(qx0) + LocationTokens.Token(qy0) + LocationTokens.Token(qx1) + LocationTokens.Token(qy1);
            // Canvas sides ≥ 63 px: distinct grid lines land on distinct pixels.
            int w = random.Next(63, 200), h = random.Next(63, 200);
            Assert.Equal(text, loc.Encode(loc.Decode(text, w, h), w, h));
        }
    }

    [Fact]
    public void MalformedTextIsRejected()
    {
        var loc = new LocationTokens(100);
        Assert.False(loc.TryDecode("1 2 3", 50, 50, out _));
        Assert.False(loc.TryDecode("1 2 3 100", 50, 50, out _));
        Assert.False(loc.TryDecode("<loc1><loc2><loc3><loc4>", 50, 50, out _));
        Assert.True(loc.TryDecode(" 1 2 3 4 ", 50, 50, out var box));
        Assert.Equal(new PixelBox(1, 1, 2, 2), box);
        var e = Assert.Throws<Siglip2Exception>(() => loc.Decode("a b c d", 50, 50));
        Assert.Contains("0 0 99 99", e.Message);
        Assert.Throws<Siglip2Exception>(() => new LocationTokens(1));
    }
}
