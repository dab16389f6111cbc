namespace Siglip2.Configuration;

/// <summary>
/// The LocCa decoder's ids beyond the tokenizer vocabulary of size V: the mask token of parallel (CapPa) prediction
/// and one task token per target kind. The decoder's token embedding has V + <see cref="Count"/> rows; its output
/// head predicts only the V tokenizer ids.
/// </summary>
public readonly record struct LoccaTokenIds(int VocabSize)
{
    public const int Count = 4;
    public long Mask => VocabSize;
    public long CaptionTask => VocabSize + 1;
    public long ReferringTask => VocabSize + 2;
    public long GroundedCaptionTask => VocabSize + 3;
}
