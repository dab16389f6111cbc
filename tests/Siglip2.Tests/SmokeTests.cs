using TorchSharp;

namespace Siglip2.Tests;

public class SmokeTests
{
    [Fact]
    public void TorchSharpNativeLibraryLoads()
    {
        using var t = torch.ones(3);
        Assert.Equal(3f, t.sum().item<float>());
    }
}
