using System.Collections.Concurrent;
using Siglip2.Configuration;

namespace Siglip2.Processing.Text;

/// <summary>
/// Finds and loads the tokenizer of a model folder: <c>tokenizer.json</c> (or <c>tokenizer.json.gz</c>) when
/// present, else the SentencePiece <c>tokenizer.model</c>. Loaded tokenizers are cached per file (path, size and
/// modification time), so a second load of the same file is free.
/// </summary>
public static class TextTokenizerLoader
{
    public static readonly string[] TokenizerFileNames = ["tokenizer.json", "tokenizer.json.gz", "tokenizer.model"];

    private static readonly ConcurrentDictionary<(string Path, long Size, DateTime Modified, bool Lowercase), Lazy<ITextTokenizer>> Cache = new();

    /// <summary>The tokenizer file a folder would be loaded from.</summary>
    public static string FindTokenizerFile(string folder)
    {
        if (!Directory.Exists(folder))
            throw new Siglip2Exception($"Model folder '{folder}' does not exist. Pass the folder that holds the checkpoint's tokenizer.json or tokenizer.model.");
        foreach (var name in TokenizerFileNames)
        {
            string path = Path.Combine(folder, name);
            if (InputFile.KindOf(path) != InputFileKind.Missing) return path; // a FIFO or folder of that name is refused by LoadFile
        }
        throw new Siglip2Exception($"No tokenizer in '{folder}': expected tokenizer.json (or tokenizer.json.gz) or tokenizer.model. Download it from the checkpoint's repository into that folder.");
    }

    /// <summary>Loads the folder's tokenizer (see <see cref="FindTokenizerFile"/>).</summary>
    /// <param name="applyLowercaseNormalizer">For tokenizer.json: apply the file's own Lowercase normalizer, if it has one.</param>
    public static ITextTokenizer LoadFromFolder(string folder, bool applyLowercaseNormalizer = true) =>
        LoadFile(FindTokenizerFile(folder), applyLowercaseNormalizer);

    /// <summary>Loads one tokenizer file: <c>*.model</c> as SentencePiece, anything else as (possibly gzipped) tokenizer.json.</summary>
    public static ITextTokenizer LoadFile(string path, bool applyLowercaseNormalizer = true)
    {
        if (InputFile.KindOf(path) == InputFileKind.Missing)
            throw new Siglip2Exception($"Tokenizer file '{path}' does not exist. Expected tokenizer.json (or .json.gz) or tokenizer.model from the checkpoint.");
        InputFile.RequireRegular(path, "tokenizer file");
        var info = new FileInfo(path);
        bool isSentencePiece = path.EndsWith(".model", StringComparison.OrdinalIgnoreCase);
        var key = (info.FullName, info.Length, info.LastWriteTimeUtc, isSentencePiece || applyLowercaseNormalizer);
        var lazy = Cache.GetOrAdd(key, k => new Lazy<ITextTokenizer>(() => isSentencePiece
            ? SentencePieceBpeTokenizer.Load(k.Path)
            : HuggingFaceBpeTokenizer.Load(k.Path, k.Lowercase)));
        try
        {
            return lazy.Value;
        }
        catch
        {
            Cache.TryRemove(key, out _); // a failed load is not cached: the user may fix the file
            throw;
        }
    }
}
