namespace Siglip2.Processing.Text;

/// <summary>
/// A subword tokenizer that turns text into vocabulary ids and back, with no special tokens added
/// (no BOS, no EOS) and no lowercasing beyond what its own file prescribes. Both the SentencePiece
/// <c>tokenizer.model</c> backend and the Hugging Face <c>tokenizer.json</c> backend implement it;
/// <see cref="SiglipTextProcessor"/> builds the fixed-length SigLIP 2 input on top of it.
/// </summary>
public interface ITextTokenizer
{
    /// <summary>The file the tokenizer was read from.</summary>
    string SourcePath { get; }

    /// <summary>Number of ids (largest id + 1).</summary>
    int VocabularySize { get; }

    /// <summary>Encodes <paramref name="text"/> exactly as the reference library does, without special tokens.</summary>
    int[] Encode(string text);

    /// <summary>The vocabulary piece of <paramref name="id"/> (byte pieces as <c>&lt;0xNN&gt;</c>).</summary>
    string IdToPiece(int id);

    /// <summary>The id of a vocabulary piece, or null when the vocabulary has no such piece.</summary>
    int? PieceToId(string piece);

    /// <summary>Decodes ids back to text as the reference library does (special/user-defined pieces kept as text, control pieces dropped by SentencePiece).</summary>
    string Decode(IEnumerable<int> ids);
}
