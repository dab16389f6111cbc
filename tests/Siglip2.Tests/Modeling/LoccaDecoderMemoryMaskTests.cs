using Siglip2.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace Siglip2.Tests.Modeling;

public class LoccaDecoderMemoryMaskTests
{
    [Fact]
    public void MaskedPaddingTokensDoNotReachTheDecoder()
    {
        // NaFlex image towers pad to max_num_patches: with the memory mask the decoder must see only the real tokens
        using var scope = NewDisposeScope();
        torch.manual_seed(4);
        using var decoder = new LoccaDecoder(vocabSize: 20, width: 16, depth: 2, numHeads: 2, mlpWidth: 32, maxLength: 6, memoryWidth: 12);
        decoder.eval();
        var ids = torch.tensor(new long[] { 3, 5, 7, 9, 2, 4, 6, 8 }, [2, 4]);
        var real = torch.randn(2, 5, 12);
        var padded = torch.cat([real, 50 * torch.randn(2, 3, 12)], 1);
        var keep = torch.tensor(new long[] { 1, 1, 1, 1, 1, 0, 0, 0, 1, 1, 1, 1, 1, 0, 0, 0 }, [2, 8]);
        var mask = AttentionMask.ToAdditive(keep, ScalarType.Float32);
        using var _ = torch.no_grad();
        var expected = decoder.Forward(ids, real, null);
        var masked = decoder.Forward(ids, padded, null, mask);
        var unmasked = decoder.Forward(ids, padded, null);
        Assert.True((masked - expected).abs().max().item<float>() < 1e-5f);
        Assert.True((unmasked - expected).abs().max().item<float>() > 1e-2f);   // without the mask the padding leaks in
    }
}
