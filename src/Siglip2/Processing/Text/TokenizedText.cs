using TorchSharp;

namespace Siglip2.Processing.Text;

/// <summary>One caption turned into a fixed-length id row.</summary>
/// <param name="Text">The caption as given.</param>
/// <param name="Ids">L ids: [BOS] content… EOS PAD…</param>
/// <param name="Pieces">The vocabulary pieces of the non-padding positions (for display).</param>
/// <param name="TokenCount">Content tokens the caption produced before truncation.</param>
/// <param name="KeptTokenCount">Content tokens that fit in the row.</param>
public sealed record TokenizedText(string Text, long[] Ids, string[] Pieces, int TokenCount, int KeptTokenCount)
{
    /// <summary>True when content tokens were dropped to fit the row (the CLI warns).</summary>
    public bool Truncated => KeptTokenCount < TokenCount;
}

/// <summary>A batch of captions as a (B, L) int64 id matrix, row-major.</summary>
public sealed class TokenizedTextBatch
{
    public TokenizedTextBatch(IReadOnlyList<TokenizedText> items, int length)
    {
        Items = items;
        Length = length;
        Ids = new long[items.Count * length];
        for (int b = 0; b < items.Count; b++) items[b].Ids.CopyTo(Ids, b * length);
    }

    public IReadOnlyList<TokenizedText> Items { get; }
    public int BatchSize => Items.Count;
    public int Length { get; }

    /// <summary>B·L ids, row-major (row b = Items[b].Ids).</summary>
    public long[] Ids { get; }

    public bool AnyTruncated => Items.Any(i => i.Truncated);

    /// <summary>The ids as an int64 tensor of shape (B, L) on the CPU; the caller owns (disposes) it.</summary>
    public torch.Tensor ToTensor() => torch.tensor(Ids, [BatchSize, Length], dtype: torch.int64);
}
