using Siglip2.Data;
using Siglip2.Modeling;
using Siglip2.Processing.Text;
using Siglip2.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Siglip2.Tests.Training;

/// <summary>Character-level stand-in tokenizer: a–z → 4…29, space → 30, digits → 31…40 (pad 0, eos 1).</summary>
internal sealed class CharTokenizer : ITextTokenizer
{
    public string SourcePath => "chars";
    public int VocabularySize => TinyModels.Vocab;
    public int[] Encode(string text) => text.Select(c => c == ' ' ? 30 : char.IsDigit(c) ? 31 + (c - '0') : 4 + (c - 'a')).ToArray();
    public string IdToPiece(int id) => id switch { 0 => "<pad>", 1 => "<eos>", 30 => " ", >= 31 and <= 40 => ((char)('0' + id - 31)).ToString(), >= 4 and < 30 => ((char)('a' + id - 4)).ToString(), _ => "?" };
    public int? PieceToId(string piece) => null;
    public string Decode(IEnumerable<int> ids) => string.Concat(ids.Where(i => i > 1).Select(IdToPiece));
    public static SiglipTextProcessor Processor() => new(new CharTokenizer(), new SiglipTextSettings(Length: TinyModels.TextLength, Lowercase: LowercaseMode.None));
}

public class LoccaTests
{
    [Fact]
    public void ChunkedCrossEntropyEqualsFullCrossEntropyAndGradients()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(3);
        var hidden = torch.randn(3, 10, 8).requires_grad_(true);
        var head = nn.Linear(8, 11);
        var targets = torch.randint(0, 11, [3, 10], dtype: ScalarType.Int64);
        targets[0, TensorIndex.Slice(0, 4)] = torch.tensor(-100L);
        targets[2, TensorIndex.Slice(7, 10)] = torch.tensor(-100L);
        // reference: PyTorch's own cross-entropy over the whole (30, 11) logit matrix, mean over non-ignored targets
        var full = nn.functional.cross_entropy(head.forward(hidden).reshape(-1, 11), targets.reshape(-1), ignore_index: -100);
        var gradFull = torch.autograd.grad([full], [hidden])[0];
        foreach (int chunk in new[] { 1, 3, 4, 10, 64 })
        {
            var chunked = ChunkedCrossEntropy.Compute(hidden, head.forward, targets, chunk);
            Assert.Equal(full.item<float>(), chunked.item<float>(), 5);
            var grad = torch.autograd.grad([chunked], [hidden])[0];
            Assert.True((grad - gradFull).abs().max().item<float>() < 1e-6f);
        }
    }

    [Fact]
    public void SelfAttentionMaskIsCausalOrParallelWithPaddingHidden()
    {
        using var mask = LoccaDecoder.SelfAttentionMask([true, false], [3, 2], 4);
        var m = mask.data<float>().ToArray();
        // causal row, length 3: row i sees keys 0..i; key 3 (padding) hidden
        bool[,] causal = { { true, false, false, false }, { true, true, false, false }, { true, true, true, false }, { true, true, true, false } };
        bool[,] parallel = { { true, true, false, false }, { true, true, false, false }, { true, true, false, false }, { true, true, false, false } };
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 4; j++)
            {
                Assert.Equal(causal[i, j], m[i * 4 + j] == 0f);
                Assert.Equal(parallel[i, j], m[16 + i * 4 + j] == 0f);
            }
    }

    [Fact]
    public void CausalDecodingIgnoresLaterTokensParallelDoesNot()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(5);
        var decoder = new LoccaDecoder(20, 16, 1, 2, 32, 6, 12);
        var memory = torch.randn(1, 4, 12);
        var a = torch.tensor(new long[] { 3, 4, 5, 6, 7, 8 }, [1, 6]);
        var b = torch.tensor(new long[] { 3, 4, 5, 9, 9, 9 }, [1, 6]);
        using var causal = LoccaDecoder.SelfAttentionMask([true], [6], 6);
        using var parallel = LoccaDecoder.SelfAttentionMask([false], [6], 6);
        var ca = decoder.Forward(a, memory, causal); var cb = decoder.Forward(b, memory, causal);
        Assert.True((ca[0, TensorIndex.Slice(0, 3)] - cb[0, TensorIndex.Slice(0, 3)]).abs().max().item<float>() < 1e-6f);
        Assert.True((ca[0, 3] - cb[0, 3]).abs().max().item<float>() > 1e-4f);
        var pa = decoder.Forward(a, memory, parallel); var pb = decoder.Forward(b, memory, parallel);
        Assert.True((pa[0, 0] - pb[0, 0]).abs().max().item<float>() > 1e-4f);
    }

    [Fact]
    public void SequencesHavePromptAnswerTargetsAndMaskTokensForParallel()
    {
        var builder = new LoccaTargetBuilder(CharTokenizer.Processor(), new LocationTokens(), 8, seed: 0);
        long task = builder.ReferringTaskId, m = builder.MaskId;
        Assert.Equal(TinyModels.Vocab, builder.MaskId);
        // referring: [task] a b <eos> 1 2 <eos> → inputs drop the last token, targets only on the answer
        var (inputs, targets, length) = builder.Sequence(task, [4, 5], [32, 33], causal: true);
        Assert.Equal(new long[] { task, 4, 5, 1, 32, 33, 0, 0 }, inputs);
        Assert.Equal(new long[] { -100, -100, -100, 32, 33, 1, -100, -100 }, targets);
        Assert.Equal(6, length);
        // parallel captioning: all inputs are the mask token
        var (pin, ptg, plen) = builder.Sequence(builder.CaptionTaskId, null, [6, 7, 8], causal: false);
        Assert.Equal(new long[] { m, m, m, m, 0, 0, 0, 0 }, pin);
        Assert.Equal(new long[] { 6, 7, 8, 1, -100, -100, -100, -100 }, ptg);
        Assert.Equal(4, plen);
        // truncation keeps Length inputs
        var (tin, ttg, tlen) = builder.Sequence(builder.CaptionTaskId, null, Enumerable.Repeat(9, 20).ToArray(), causal: true);
        Assert.Equal(8, tlen);
        Assert.All(ttg, t => Assert.Equal(9, t));
    }
}

public class SelfDistillationTests
{
    [Fact]
    public void EmaTeacherStartsAsCopyAndFollowsTheRule()
    {
        using var scope = NewDisposeScope();
        var student = nn.Linear(2, 1);
        var teacher = nn.Linear(2, 1);
        using (torch.no_grad()) { student.weight!.copy_(torch.tensor(new float[] { 1, 2 }, [1, 2])); student.bias!.fill_(3); }
        var ema = new EmaTeacher(teacher, student);
        Assert.Equal(new float[] { 1, 2 }, teacher.weight!.data<float>().ToArray());
        Assert.False(teacher.weight!.requires_grad);
        using (torch.no_grad()) { student.weight!.copy_(torch.tensor(new float[] { 11, -8 }, [1, 2])); student.bias!.fill_(13); }
        ema.Update(0.9);
        // 0.9·1 + 0.1·11 = 2; 0.9·2 + 0.1·(−8) = 1; 0.9·3 + 0.1·13 = 4
        var w = teacher.weight!.data<float>().ToArray();
        Assert.Equal(2f, w[0], 5); Assert.Equal(1f, w[1], 5);
        Assert.Equal(4f, teacher.bias!.item<float>(), 5);
    }

    [Fact]
    public void RandomMaskHidesExactlyHalfOfEveryImage()
    {
        using var mask = MaskedVisionForward.RandomMask(7, 16, 0.5, new Random(1));
        var counts = mask.to_type(ScalarType.Int64).sum(1).data<long>().ToArray();
        Assert.All(counts, c => Assert.Equal(8, c));
        using var odd = MaskedVisionForward.RandomMask(3, 9, 0.5, new Random(2));
        Assert.All(odd.to_type(ScalarType.Int64).sum(1).data<long>().ToArray(), c => Assert.Equal(4, c));
    }

    [Fact]
    public void MaskedForwardWithoutMaskEqualsTheTower()
    {
        using var scope = NewDisposeScope();
        using var model = new Siglip2Model(TinyModels.Fixed());
        var px = torch.randn(2, 3, 8, 8);
        using var a = model.Vision.Forward(px);
        using var b = MaskedVisionForward.Forward(model.Vision, px, null, null);
        Assert.True((a.PoolerOutput! - b.PoolerOutput!).abs().max().item<float>() < 1e-6f);
        var maskToken = torch.randn(32);
        var mask = torch.tensor(new[] { true, false, false, false, false, false, false, false }, [2, 4]);
        using var c = MaskedVisionForward.Forward(model.Vision, px, mask, maskToken);
        Assert.True((a.LastHiddenState[1] - c.LastHiddenState[1]).abs().max().item<float>() < 1e-6f);   // image 2 unmasked
        Assert.True((a.LastHiddenState[0] - c.LastHiddenState[0]).abs().max().item<float>() > 1e-4f);
    }

    [Fact]
    public void DistillationLossMatchesHandComputedValues()
    {
        using var scope = NewDisposeScope();
        var zero = torch.zeros(2);
        // teacher uniform, student logits (ln 3, 0) at τ = 1: p_s = (3/4, 1/4); loss = −½(ln ¾ + ln ¼)
        var loss1 = SelfDistillationLoss.Compute(torch.tensor(new[] { (float)Math.Log(3), 0f }, [1, 2]), torch.zeros(1, 2), zero, 1.0, 1.0);
        Assert.Equal(-0.5 * (Math.Log(0.75) + Math.Log(0.25)), loss1.item<float>(), 5);
        // teacher (1, 0) at τ_t = 0.5 → p_t = (e²/(e²+1), 1/(e²+1)); student uniform → loss = ln 2
        var loss2 = SelfDistillationLoss.Compute(torch.zeros(1, 2), torch.tensor(new float[] { 1, 0 }, [1, 2]), zero, 1.0, 0.5);
        Assert.Equal(Math.Log(2), loss2.item<float>(), 5);
        // centring (1, 0) makes teacher (1, 0) uniform; student (2, 0) at τ_s = 2 → logits (1, 0)
        var loss3 = SelfDistillationLoss.Compute(torch.tensor(new float[] { 2, 0 }, [1, 2]), torch.tensor(new float[] { 1, 0 }, [1, 2]),
            torch.tensor(new float[] { 1, 0 }), 2.0, 0.04);
        double ls1 = 1 - Math.Log(Math.E + 1), ls0 = -Math.Log(Math.E + 1);
        Assert.Equal(-0.5 * (ls1 + ls0), loss3.item<float>(), 5);
        // centre update: 0.9·0 + 0.1·mean((2,4),(4,8)) = (0.3, 0.6)
        var center = torch.zeros(2);
        SelfDistillationLoss.UpdateCenter(center, torch.tensor(new float[] { 2, 4, 4, 8 }, [2, 2]), 0.9);
        var c = center.data<float>().ToArray();
        Assert.Equal(0.3f, c[0], 5); Assert.Equal(0.6f, c[1], 5);
    }

    [Fact]
    public void TeacherGetsNoGradients()
    {
        var t = torch.tensor(new float[] { 1, 2 }, [1, 2]).requires_grad_(true);
        var s = torch.tensor(new float[] { 0.5f, 0 }, [1, 2]).requires_grad_(true);
        SelfDistillationLoss.Compute(s, t, torch.zeros(2), 0.1, 0.04).backward();
        Assert.Null(t.grad);
        Assert.NotNull(s.grad);
    }
}

public class RecipeTrainerTests
{
    /// <summary>Synthetic recipe batches: separable pairs, captioning rows from the caption ids, views = noisy copies.</summary>
    internal static RecipeBatch Batch(SeparableBatchSource source, LoccaTargetBuilder builder, long step, bool views)
    {
        var pairs = source.GetBatch(step);
        var ids = pairs.InputIds.data<long>().ToArray();
        int b = (int)pairs.BatchSize, l = TinyModels.TextLength;
        var examples = Enumerable.Range(0, b).Select(i =>
        {
            var content = ids.Skip(i * l).Take(l).TakeWhile(t => t > 1).Select(t => (int)t).ToArray();
            return builder.Sequence(builder.CaptionTaskId, null, content, causal: i % 2 == 0);
        }).ToList();
        Tensor? global = null, local = null;
        if (views)
        {
            using var g = new torch.Generator((ulong)(step + 100));
            global = pairs.PixelValues + 0.1f * torch.randn(pairs.PixelValues.shape, generator: g);
            local = pairs.PixelValues.repeat(8, 1, 1, 1) + 0.3f * torch.randn([8 * b, 3, 8, 8], generator: g);
        }
        return new RecipeBatch
        {
            Pairs = pairs,
            DecoderInputs = torch.tensor(examples.SelectMany(e => e.Inputs).ToArray(), [b, builder.Length]),
            DecoderTargets = torch.tensor(examples.SelectMany(e => e.Targets).ToArray(), [b, builder.Length]),
            DecoderMask = LoccaDecoder.SelfAttentionMask(Enumerable.Range(0, b).Select(i => i % 2 == 0).ToArray(), examples.Select(e => e.InputLength).ToArray(), builder.Length),
            GlobalViews = global, LocalViews = local, MaskSeed = step,
        };
    }

    [Fact]
    public void LoccaAndSelfDistillationLossesFallOnAShortRun()
    {
        var config = TinyModels.Fixed();
        var options = new TrainingOptions { Seed = 1, Schedule = new LearningRateSchedule(3e-3, 3, 40), WeightDecay = 0 };
        var objectives = new TrainingObjectives
        {
            Locca = true, LoccaLength = 10, SelfDistillation = true, SelfDistillationStart = 0.0, Prototypes = 64, SslBatch = 8,
            TeacherMomentum = 0.9,
        };
        var source = new SeparableBatchSource(config, 8, seed: 2);
        var builder = new LoccaTargetBuilder(CharTokenizer.Processor(), new LocationTokens(), 10, seed: 0);
        using var trainer = Trainer.FromScratch(config, options, objectives, TinyModels.Vocab);
        var reports = new List<TrainingStepReport>();
        for (long s = 0; s < 40; s++)
        {
            using var batch = Batch(source, builder, s, views: true);
            reports.Add(trainer.TrainStep(batch));
        }
        Assert.True(trainer.TeacherActive);
        double First(Func<TrainingStepReport, double> f) => reports.Take(5).Average(f);
        double Last(Func<TrainingStepReport, double> f) => reports.TakeLast(5).Average(f);
        Assert.True(Last(r => r.Locca) < 0.7 * First(r => r.Locca), $"LocCa {First(r => r.Locca)} → {Last(r => r.Locca)}");
        Assert.True(Last(r => r.Sigmoid) < First(r => r.Sigmoid), $"sigmoid {First(r => r.Sigmoid)} → {Last(r => r.Sigmoid)}");
        Assert.True(Last(r => r.Silc) < First(r => r.Silc), $"SILC {First(r => r.Silc)} → {Last(r => r.Silc)}");
        Assert.True(Last(r => r.Tips) < First(r => r.Tips), $"TIPS {First(r => r.Tips)} → {Last(r => r.Tips)}");
    }

    [Fact]
    public void SavedRunResumesWithTheSameLossesAndExportLeavesTheDecoderOut()
    {
        using var dir = new TempDirectory();
        var config = TinyModels.Fixed();
        var options = new TrainingOptions { Seed = 4, Schedule = new LearningRateSchedule(3e-3, 2, 8) };
        var objectives = new TrainingObjectives { Locca = true, LoccaLength = 10, SelfDistillation = true, SelfDistillationStart = 0.5, Prototypes = 32, SslBatch = 4 };
        var source = new SeparableBatchSource(config, 8, seed: 3);
        var builder = new LoccaTargetBuilder(CharTokenizer.Processor(), new LocationTokens(), 10, seed: 0);
        var straight = new List<double>();
        using (var t = Trainer.FromScratch(config, options, objectives, TinyModels.Vocab))
            for (long s = 0; s < 8; s++) { using var b = Batch(source, builder, s, s >= 4); straight.Add(t.TrainStep(b).Loss); }
        var resumed = new List<double>();
        using (var t = Trainer.FromScratch(config, options, objectives, TinyModels.Vocab))
        {
            for (long s = 0; s < 5; s++) { using var b = Batch(source, builder, s, s >= 4); resumed.Add(t.TrainStep(b).Loss); }
            t.SaveCheckpoint(dir.Path);
        }
        using (var t = Trainer.Resume(dir.Path))
        {
            Assert.Equal(5, t.Step);
            Assert.True(t.TeacherActive);
            for (long s = 5; s < 8; s++) { using var b = Batch(source, builder, s, true); resumed.Add(t.TrainStep(b).Loss); }
        }
        Assert.Equal(straight, resumed);   // bitwise: the same run
        using var exported = Siglip2.Checkpoints.SafeTensorsFile.Open(Path.Combine(dir.Path, "model.safetensors"));
        Assert.DoesNotContain(exported.Tensors.Keys, k => k.Contains("decoder") || k.Contains("teacher") || k.Contains("mask_token"));
        Assert.True(File.Exists(Path.Combine(dir.Path, TrainingCheckpoint.DecoderFileName)));
    }
}

public class LoccaExamplesTests
{
    [Fact]
    public void TrimmedDropsColumnsThatArePaddingInEveryRow()
    {
        var e = new LoccaExamples([1, 2, 0, 0, 3, 0, 0, 0], [2, 9, -100, -100, 9, -100, -100, -100], [true, false], [2, 1], 2, 4);
        var t = e.Trimmed();
        Assert.Equal(2, t.Length);
        Assert.Equal(new long[] { 1, 2, 3, 0 }, t.Inputs);
        Assert.Equal(new long[] { 2, 9, 9, -100 }, t.Targets);
    }
}
