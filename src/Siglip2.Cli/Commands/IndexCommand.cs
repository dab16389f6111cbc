using Siglip2.Cli.Infrastructure;
using Siglip2.Search;

namespace Siglip2.Cli.Commands;

/// <summary>`siglip2 index`: embeds the images of folders into a searchable SQLite index, incrementally.</summary>
public sealed class IndexCommand : ICommand
{
    public string Name => "index";
    public string Summary => "index the images of folders (recursively) for search; reruns embed only new or changed files";
    public string Usage => $$"""
        usage: siglip2 index DIR ... --db FILE [--model M] [--reindex] [options]

          DIR               folders to index, recursively (jpg, jpeg, png, webp, bmp, gif)
          --db FILE         the index (SQLite); created when missing
          --reindex         rebuild from scratch (needed to change the model of an existing index)
        {{ModelOptions.Help}}
        Files that cannot be read or decoded are recorded with their error and skipped. Rows are written one
        transaction per batch: a run killed at any point is finished by running it again.
        example: siglip2 index ~/Pictures --db photos.db --model google/siglip2-base-patch16-224
        """;

    public int Run(IReadOnlyList<string> args)
    {
        var a = ParsedArguments.Parse(args, ["--db", .. ModelOptions.ValueOptions], ["--reindex", .. ModelOptions.FlagOptions]);
        if (a.Positionals.Count == 0) throw new UsageException("give at least one folder to index");
        string db = a.Required("--db", "the index database file");
        foreach (string dir in a.Positionals)
            if (!Directory.Exists(dir)) throw new Siglip2Exception($"folder to index not found: {dir}");
        string modelId = a.Required("--model", "a checkpoint folder or Hub id");
        if (Directory.Exists(modelId)) modelId = Path.GetFullPath(modelId);
        using var pipeline = ModelOptions.Load(a);
        using var store = ImageIndexStore.Open(db, create: true);
        var indexer = new ImageIndexer(new PipelineImageEmbedder(pipeline, modelId), store, pipeline.Options.BatchSize, pipeline.Options.Decode);
        IndexReport report;
        ProgressReporter? bar = null;
        try
        {
            report = indexer.Run(a.Positionals, a.Flag("--reindex"), new Progress(p => (bar ??= new ProgressReporter("index", p.Total, "images")).Report(p.Done)));
        }
        finally { bar?.Dispose(); }
        if (a.Flag("--json")) { Output.WriteJson(report); return 0; }
        Console.WriteLine($"{report.Files} images: {report.Embedded} embedded, {report.Unchanged} unchanged, {report.Removed} removed, {report.Failures.Count} failed ({report.Seconds:F1} s) → {db}");
        foreach (var f in report.Failures.Take(20)) Console.WriteLine($"  failed: {f.Path}: {f.Error}");
        if (report.Failures.Count > 20) Console.WriteLine($"  … and {report.Failures.Count - 20} more");
        return 0;
    }

    /// <summary>Synchronous progress (System.Progress posts to the thread pool, which would reorder the bar).</summary>
    private sealed class Progress(Action<(int Done, int Total)> report) : IProgress<(int Done, int Total)>
    {
        public void Report((int Done, int Total) value) => report(value);
    }
}
