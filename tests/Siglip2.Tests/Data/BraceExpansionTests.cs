using Siglip2.Data;

namespace Siglip2.Tests.Data;

/// <summary>Brace lists of shard specs, against the expansions bash and Python's braceexpand give for the same patterns.</summary>
public sealed class BraceExpansionTests
{
    [Fact]
    public void Zero_padded_range_keeps_the_width()
    {
        Assert.Equal(["d/00008.tar", "d/00009.tar", "d/00010.tar", "d/00011.tar"], BraceExpansion.Expand("d/{00008..00011}.tar"));
    }

    [Fact]
    public void Unpadded_and_descending_ranges()
    {
        Assert.Equal(["x9", "x10", "x11"], BraceExpansion.Expand("x{9..11}"));
        Assert.Equal(["3", "2", "1"], BraceExpansion.Expand("{3..1}"));
    }

    [Fact]
    public void Lists_and_several_braces_multiply_with_the_last_varying_fastest()
    {
        // bash: echo {a,b}-{0..2}.tar
        Assert.Equal(["a-0.tar", "a-1.tar", "a-2.tar", "b-0.tar", "b-1.tar", "b-2.tar"], BraceExpansion.Expand("{a,b}-{0..2}.tar"));
        Assert.Equal(["plain.tar"], BraceExpansion.Expand("plain.tar"));
        Assert.Equal(["p.tar", "q.tar"], BraceExpansion.Expand("{p,q}.tar"));
    }

    [Theory]
    [InlineData("d/{000..009.tar", "never closed")]
    [InlineData("d/000..009}.tar", "no opening")]
    [InlineData("d/{a..9}.tar", "non-negative integers")]
    [InlineData("d/{0..{1,2}}.tar", "nested")]
    [InlineData("d/{0..99999999}.tar", "more than")]
    [InlineData("d/{abc}.tar", "neither a range")]
    public void Malformed_braces_give_one_line_errors(string pattern, string expected)
    {
        var e = Assert.Throws<Siglip2Exception>(() => BraceExpansion.Expand(pattern));
        Assert.Contains(expected, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }
}
