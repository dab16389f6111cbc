using Siglip2.Configuration;
using Siglip2.Processing.Text;

namespace Siglip2.Cli.Infrastructure;

/// <summary>The text options shared by tokenize / embed / classify.</summary>
public static class TextOptions
{
    public static readonly string[] ValueOptions = ["--lowercase", "--length", "--text-file"];
    public static readonly string[] FlagOptions = ["--truncate"];

    public const string Help = """
          --lowercase MODE  ascii (default: the training-time rule, big_vision's tf.strings.lower),
                            unicode (newest transformers Siglip2Tokenizer), none
          --length N        padded length (default: the checkpoint's max_position_embeddings, 64 for SigLIP 2)
          --truncate        keep the first N-1 tokens + EOS of a longer text, as the reference processor does
                            (default: a text longer than the length is an error)
          --text-file FILE  read texts from FILE, one per line (UTF-8; blank lines skipped; - for stdin); repeatable
        """;

    private static readonly Dictionary<string, LowercaseMode> Modes = new()
    {
        ["ascii"] = LowercaseMode.Ascii, ["unicode"] = LowercaseMode.Unicode, ["none"] = LowercaseMode.None,
    };

    public static SiglipTextProcessor Load(string folder, ParsedArguments a)
    {
        var options = new SiglipTextOptions
        {
            Lowercase = a.Choice("--lowercase", Modes, LowercaseMode.Ascii),
            Length = a.Optional("--length") is null ? null : a.Int("--length", 64, 2, 100_000),
        };
        return SiglipTextProcessor.FromFolder(folder, options);
    }

    /// <summary>The texts of every --text-file (one per line, blank lines skipped; "-" reads standard input), in order.</summary>
    public static List<string> ReadTextFiles(ParsedArguments a)
    {
        var texts = new List<string>();
        foreach (var file in a.All("--text-file"))
        {
            string content;
            if (file is "-" or "/dev/stdin")
            {
                using var stdin = Console.OpenStandardInput();
                byte[] bytes = InputFile.ReadBounded(stdin, "standard input", "text file", InputLimits.TextFileBytes);
                content = InputFile.DecodeUtf8(bytes, "standard input", "text file");
            }
            else
            {
                content = InputFile.ReadAllText(file, "text file", InputLimits.TextFileBytes);
            }
            int before = texts.Count;
            foreach (var line in content.Split('\n'))
            {
                string text = line.EndsWith('\r') ? line[..^1] : line;
                if (text.Trim().Length > 0) texts.Add(text);
            }
            if (texts.Count == before)
                throw new Siglip2Exception($"--text-file {file} holds no text (one text per line)");
        }
        return texts;
    }

    /// <summary>Tokenizes, refusing over-long texts unless --truncate was given.</summary>
    public static TokenizedTextBatch Tokenize(SiglipTextProcessor processor, IReadOnlyList<string> texts, ParsedArguments a)
    {
        var batch = processor.Process(texts);
        for (int i = 0; i < batch.Items.Count; i++)
        {
            var item = batch.Items[i];
            if (!item.Truncated) continue;
            string shown = item.Text.Length > 40 ? item.Text[..40] + "…" : item.Text;
            if (!a.Flag("--truncate"))
                throw new Siglip2Exception($"text {i + 1} (\"{shown}\") has {item.TokenCount} tokens, more than the {processor.Settings.ContentCapacity} that fit in {processor.Settings.Length} positions; shorten it or pass --truncate");
            Output.Note($"text {i + 1} truncated from {item.TokenCount} to {item.KeptTokenCount} tokens");
        }
        return batch;
    }
}
