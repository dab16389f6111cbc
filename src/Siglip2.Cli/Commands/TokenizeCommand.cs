using Siglip2.Cli.Infrastructure;
using Spectre.Console;

namespace Siglip2.Cli.Commands;

/// <summary>`siglip2 tokenize`: the exact ids the text tower receives, with their pieces.</summary>
public sealed class TokenizeCommand : ICommand
{
    public string Name => "tokenize";
    public string Summary => "show the token ids (padded, exactly what the text tower receives) and pieces";
    public string Usage => $"""
        usage: siglip2 tokenize --model DIR [options] TEXT [TEXT ...]
               siglip2 tokenize --model DIR --text-file FILE      (one text per line; - for stdin)
               siglip2 tokenize --model DIR -- --help            (after --, every argument is a text)

          --model DIR       folder with tokenizer.json (or .json.gz) or tokenizer.model, and optionally
                            tokenizer_config.json / config.json (e.g. tests/fixtures/tokenizer/gemma256k,
                            the Gemma 256k vocabulary of the released SigLIP 2 checkpoints)
        {TextOptions.Help}
          --json            a JSON array, one object per text: text, input_ids (padded), pieces,
                            token_count, truncated
        example: siglip2 tokenize --model tests/fixtures/tokenizer/gemma256k "a photo of a cat"
        """;

    public int Run(IReadOnlyList<string> args)
    {
        var a = ParsedArguments.Parse(args, ["--model", .. TextOptions.ValueOptions], ["--json", .. TextOptions.FlagOptions]);
        string folder = ModelOptions.ResolveFolder(a, "a checkpoint or tokenizer folder, or a Hub id");
        var texts = a.Positionals.Concat(TextOptions.ReadTextFiles(a)).ToList();
        if (texts.Count == 0) throw new UsageException("give at least one TEXT to tokenize (or --text-file FILE)");
        var processor = TextOptions.Load(folder, a);
        foreach (var note in processor.Notes) Output.Note(note);
        var batch = TextOptions.Tokenize(processor, texts, a);
        if (a.Flag("--json"))
        {
            Output.WriteJson(batch.Items.Select(t => new
            {
                text = t.Text, input_ids = t.Ids, pieces = t.Pieces, token_count = t.TokenCount, truncated = t.Truncated,
            }));
            return 0;
        }
        foreach (var t in batch.Items)
        {
            var table = new Table().Title($"\"{Markup.Escape(t.Text)}\" — {t.TokenCount} tokens{(t.Truncated ? " (truncated)" : "")}, padded to {t.Ids.Length}");
            table.AddColumn(new TableColumn("pos").RightAligned());
            table.AddColumn(new TableColumn("id").RightAligned());
            table.AddColumn("piece");
            int shown = Math.Min(t.Ids.Length, Math.Max(t.KeptTokenCount + 2, 1));
            for (int i = 0; i < shown; i++)
                table.AddRow(i.ToString(), t.Ids[i].ToString(), Markup.Escape(i < t.Pieces.Length ? Visible(t.Pieces[i]) : ""));
            if (shown < t.Ids.Length) table.AddRow("…", $"{t.Ids[^1]} ×{t.Ids.Length - shown}", "(padding)");
            AnsiConsole.Write(table);
        }
        return 0;
    }

    private static string Visible(string piece) => piece.Replace("\n", "\\n").Replace("\t", "\\t");
}
