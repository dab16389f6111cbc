using Siglip2.Checkpoints;
using Siglip2.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace Siglip2.Tests.Performance;

/// <summary>
/// The inference fast paths give the same numbers as the plain paths: loading without random init, bf16 files kept
/// bf16, sliced dtype conversion while loading, the NaFlex position-grid cache, and fused attention in bf16.
/// </summary>
public class FastPathParityTests
{
    [Theory]
    [InlineData("siglip-tiny")]
    [InlineData("siglip2-naflex-tiny")]
    public void LoadedWeightsAreExactlyTheFileTensors(string fixture)
    {
        using var model = CheckpointLoader.Load(FixturePaths.Path(fixture));
        using var file = SafeTensorsFile.Open(FixturePaths.Path(fixture, "model.safetensors"));
        var state = model.state_dict();
        Assert.Equal(file.Tensors.Keys.Count(k => !k.EndsWith(".position_ids")), state.Count);
        foreach (var (name, tensor) in state)
        {
            using var expected = file.ReadTensor(name, ScalarType.Float32);
            Assert.True(tensor.dtype == ScalarType.Float32, name);
            Assert.True(expected.reshape(tensor.shape).equal(tensor).all().item<bool>(), $"{name} differs from the file");
        }
    }

    [Fact]
    public void Bf16FileLoadedAsBf16KeepsItsBitsAndFp32FileConvertsLikeToType()
    {
        using var dir = new TempDirectory();
        using (var source = CheckpointLoader.Load(FixturePaths.Path("siglip2-naflex-tiny")))
            CheckpointWriter.Save(source, dir.Path, ScalarType.BFloat16);
        using var file = SafeTensorsFile.Open(Path.Combine(dir.Path, "model.safetensors"));
        using var bf16 = CheckpointLoader.Load(dir.Path, new LoadOptions { DType = ScalarType.BFloat16 });
        foreach (var (name, tensor) in bf16.state_dict())
        {
            Assert.True(tensor.dtype == ScalarType.BFloat16, name);
            Assert.True(file.RawBytes(name).SequenceEqual(tensor.contiguous().bytes), $"{name}: bytes differ from the bf16 file");
        }
        // fp32 file → bf16 model goes through the sliced conversion; it must equal a plain to_type.
        using var converted = CheckpointLoader.Load(FixturePaths.Path("siglip2-naflex-tiny"), new LoadOptions { DType = ScalarType.BFloat16 });
        using var fp32 = SafeTensorsFile.Open(FixturePaths.Path("siglip2-naflex-tiny", "model.safetensors"));
        foreach (var (name, tensor) in converted.state_dict())
        {
            using var expected = fp32.ReadTensor(name).to_type(ScalarType.BFloat16).reshape(tensor.shape);
            Assert.True(expected.equal(tensor).all().item<bool>(), $"{name}: sliced conversion differs from to_type");
        }
    }

    [Fact]
    public void SlicedConversionCoversTensorsLargerThanOneSlice()
    {
        // 5·2²⁰ + 3 elements: more than one 4 M-element slice and a ragged tail.
        using var dir = new TempDirectory();
        string path = dir.File("big.safetensors");
        long n = 5L * (1 << 20) + 3;
        using var values = torch.arange(n, ScalarType.Float64).mul(1e-3).sin().to_type(ScalarType.Float32);
        SafeTensorsWriter.Save(path, [new KeyValuePair<string, Tensor>("w", values)]);
        using var file = SafeTensorsFile.Open(path);
        using var destination = torch.empty(n, ScalarType.BFloat16);
        file.CopyTo("w", destination);
        using var expected = values.to_type(ScalarType.BFloat16);
        Assert.True(expected.equal(destination).all().item<bool>());
    }

    [Fact]
    public void SkippingRandomInitIsScopedToTheThread()
    {
        using (ParameterInitialization.SkipRandomInit(ScalarType.BFloat16))
        {
            Assert.True(ParameterInitialization.Skipping);
            bool other = true;
            var thread = new Thread(() => other = ParameterInitialization.Skipping);
            thread.Start();
            thread.Join();
            Assert.False(other);
            using var linear = ParameterInitialization.Linear(4, 3);
            Assert.Equal(ScalarType.BFloat16, linear.weight.dtype);
        }
        Assert.False(ParameterInitialization.Skipping);
        using (ParameterInitialization.SkipRandomInit())
        {
            // The uninitialised embedding table is the one state_dict exposes and forward reads.
            using var embedding = ParameterInitialization.Embedding(10, 4);
            Assert.Equal([10L, 4L], embedding.weight!.shape);
            using (torch.no_grad()) embedding.state_dict()["weight"].copy_(torch.arange(40, ScalarType.Float32).reshape(10, 4));
            using var rows = embedding.forward(torch.tensor(new long[] { 9, 2 }));
            Assert.Equal(new float[] { 36, 37, 38, 39, 8, 9, 10, 11 }, rows.data<float>().ToArray());
        }
        using var initialized = ParameterInitialization.Linear(64, 64);
        Assert.True(initialized.weight.abs().sum().item<float>() > 0);
    }

    [Fact]
    public void NaflexPositionCacheMatchesUncachedAndFollowsWeightChanges()
    {
        using var model = CheckpointLoader.Load(FixturePaths.Path("siglip2-naflex-tiny"));
        var embeddings = model.Vision.NaflexEmbeddings!;
        using var shapes = torch.tensor(new long[] { 5, 10, 12, 5, 5, 10 }, [3, 2]);
        Tensor Uncached() => embeddings.ResizePositionEmbeddings(shapes, 64).detach();   // grad enabled: no cache
        Tensor Cached() { using var _ = torch.no_grad(); return embeddings.ResizePositionEmbeddings(shapes, 64); }

        using var reference = Uncached();
        using var first = Cached();
        using var second = Cached();
        Assert.True(reference.equal(first).all().item<bool>());
        Assert.True(reference.equal(second).all().item<bool>());

        using (torch.no_grad()) embeddings.PositionEmbedding.weight!.mul_(2.0);
        using var changedReference = Uncached();
        using var changedCached = Cached();
        Assert.False(reference.equal(changedReference).all().item<bool>());
        Assert.True(changedReference.equal(changedCached).all().item<bool>());
    }

    [Fact]
    public void FusedAndExplicitAttentionAgreeInBf16WithPaddingMask()
    {
        var gen = new torch.Generator(3);
        using var q = torch.randn(new long[] { 2, 4, 40, 32 }, generator: gen);
        using var k = torch.randn(new long[] { 2, 4, 40, 32 }, generator: gen);
        using var v = torch.randn(new long[] { 2, 4, 40, 32 }, generator: gen);
        using var keep = torch.ones(2, 40, ScalarType.Int64);
        keep[1].narrow(0, 30, 10).fill_(0);
        using var mask32 = AttentionMask.ToAdditive(keep, ScalarType.Float32);
        using var mask16 = AttentionMask.ToAdditive(keep, ScalarType.BFloat16);
        using var reference = ScaledDotProduct.Compute(q, k, v, mask32, AttentionImplementation.Eager);
        foreach (var impl in new[] { AttentionImplementation.Sdpa, AttentionImplementation.Eager, AttentionImplementation.Auto })
        {
            using var result = ScaledDotProduct.Compute(q.to_type(ScalarType.BFloat16), k.to_type(ScalarType.BFloat16),
                v.to_type(ScalarType.BFloat16), mask16, impl).to_type(ScalarType.Float32);
            double maxError = (result - reference).abs().max().item<float>();
            Assert.True(maxError < 0.05, $"{impl}: max error {maxError} against fp32");
        }
        // Padded keys get no weight: changing their values changes nothing.
        using var v2 = v.clone();
        v2[1].narrow(1, 30, 10).fill_(100);
        using var withChangedPadding = ScaledDotProduct.Compute(q, k, v2, mask32, AttentionImplementation.Auto);
        Assert.True((withChangedPadding - reference).abs().max().item<float>() < 1e-5);
    }
}
