using Siglip2.Data;
using Siglip2.Modeling;
using Siglip2.Processing.Images;
using Siglip2.Processing.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace Siglip2.Tasks.Evaluation;

/// <summary>Referring-expression comprehension: share of expressions whose decoded box has IoU ≥ 0.5 with the true box.</summary>
public sealed record ReferringResult(int Expressions, double Accuracy, double Parsed);

/// <summary>
/// Greedy LocCa decoding of boxes from region descriptions on held-out scenes: for every referring expression of
/// the first <c>scenes</c> held-out scenes the decoder gets [referring task] + expression + EOS and appends its
/// most likely token (causal attention) until EOS or the sequence is full; the text is read back with
/// <see cref="LocationTokens.TryDecode"/> on the scene's canvas. A hit needs IoU ≥ 0.5 (a text that is not a box
/// counts as a miss; <see cref="ReferringResult.Parsed"/> is the share that was a box).
/// </summary>
public static class ReferringExpressionEvaluation
{
    public static ReferringResult Run(Siglip2Model model, LoccaDecoder decoder, LoccaSequences builder, IImageProcessor images,
        FashionScenes heldOut, int scenes, int batchSize = 128)
    {
        var locations = heldOut.Config.CreateLocationTokens();
        var items = heldOut.Stream(0, scenes).SelectMany(s => s.ReferringExpressions.Select(r => (Scene: s, Region: r))).ToList();
        int hits = 0, parsed = 0;
        using var noGrad = torch.no_grad();
        for (int start = 0; start < items.Count; start += batchSize)
        {
            var part = items.Skip(start).Take(batchSize).ToList();
            var prompts = part.Select(p => builder.Prompt(builder.ReferringTaskId, builder.Tokens(p.Region.Text))).ToList();
            var answers = GreedyDecode(model, decoder, images.Preprocess(part.Select(p => new RgbImage(p.Scene.Width, p.Scene.Height, p.Scene.Rgb)).ToList()), prompts, 16, builder.EosId);
            for (int i = 0; i < part.Count; i++)
            {
                string text = builder.Decode(answers[i]);
                if (!locations.TryDecode(text, part[i].Scene.Width, part[i].Scene.Height, out var box)) continue;
                parsed++;
                if (Iou(box, part[i].Region.Box) >= 0.5) hits++;
            }
        }
        return new ReferringResult(items.Count, items.Count == 0 ? double.NaN : (double)hits / items.Count, items.Count == 0 ? double.NaN : (double)parsed / items.Count);
    }

    /// <summary>Greedy continuation of each prompt (answer tokens without the EOS).</summary>
    public static List<long[]> GreedyDecode(Siglip2Model model, LoccaDecoder decoder, ImageBatch batch, IReadOnlyList<long[]> prompts, int maxNew, long eosId)
    {
        using var scope = NewDisposeScope();
        using var tower = model.Vision.Forward(VisionInput.FromNamedTensors(batch.ToTensors()));
        int n = prompts.Count, length = decoder.MaxLength;
        var ids = new long[n * length];
        var lengths = new int[n];
        var answers = Enumerable.Range(0, n).Select(_ => new List<long>()).ToList();
        var done = new bool[n];
        for (int i = 0; i < n; i++)
        {
            int k = Math.Min(prompts[i].Length, length);
            Array.Copy(prompts[i], 0, ids, i * length, k);
            lengths[i] = k;
            done[i] = k >= length;
        }
        for (int step = 0; step < maxNew && done.Contains(false); step++)
        {
            using var inner = NewDisposeScope();
            using var input = torch.tensor(ids, [n, length]);
            using var mask = LoccaDecoder.SelfAttentionMask(Enumerable.Repeat(true, n).ToArray(), Enumerable.Repeat(length, n).ToArray(), length);
            var hidden = decoder.Forward(input, tower.LastHiddenState, mask);
            var last = hidden[torch.arange(n), torch.tensor(lengths.Select(l => (long)l - 1).ToArray())];
            var next = decoder.Logits(last).argmax(-1).data<long>().ToArray();
            for (int i = 0; i < n; i++)
            {
                if (done[i]) continue;
                if (next[i] == eosId) { done[i] = true; continue; }
                answers[i].Add(next[i]);
                ids[i * length + lengths[i]] = next[i];
                lengths[i]++;
                if (lengths[i] >= length) done[i] = true;
            }
        }
        return answers.Select(a => a.ToArray()).ToList();
    }

    public static double Iou(PixelBox a, PixelBox b)
    {
        int ix = Math.Max(0, Math.Min(a.X1, b.X1) - Math.Max(a.X0, b.X0));
        int iy = Math.Max(0, Math.Min(a.Y1, b.Y1) - Math.Max(a.Y0, b.Y0));
        double inter = (double)ix * iy;
        double union = (double)a.Width * a.Height + (double)b.Width * b.Height - inter;
        return union <= 0 ? 0 : inter / union;
    }
}
