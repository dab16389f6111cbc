using Siglip2.Data;

namespace Siglip2.Tests.Data;

/// <summary>Fashion-MNIST from the Debian package, loaded once for all data tests.</summary>
internal static class SharedFashionMnist
{
    private static readonly Lazy<FashionMnist> Lazy = new(() => FashionMnist.Load());

    public static FashionMnist Data => Lazy.Value;
}
