using Siglip2.Cli.Infrastructure;
using Siglip2.Processing.Images;
using Siglip2.Search;

namespace Siglip2.Cli.Commands;

/// <summary>`siglip2 index`: embeds the images of folders into a searchable SQLite index, incrementally.</summary>
public sealed class IndexCommand : ICommand
{
    public string Name => "index";
    public string Summary => "index the images of folders (recursively) for search; reruns embed only new or changed files";
    public string Usage => $$"""
        usage: siglip2 index DIR ... --db FILE [--model M] [--reindex] [--shard i/N] [options]
               siglip2 index merge SHARD.db ... --db FILE

          DIR               folders to index, recursively (jpg, jpeg, png, webp, bmp, gif)
          --db FILE         the index (SQLite); created when missing
          --exact-decode    decode every JPEG in full, exactly as `embed` and the reference processor do
                            (bit-equal embeddings); by default large JPEGs are decoded at a reduced DCT scale
                            that keeps ≥ 512 px a side — several times faster on camera photos, embeddings
                            within cosine 0.99+ of the exact ones (docs/performance.md). An index keeps the
                            decoding it was built with (--reindex to change it).
          --reindex         rebuild from scratch (needed to change the model of an existing index)
          --shard i/N       index a deterministic 1/N of the files into FILE's shard (photos.shard-i-of-N.db);
                            taken from OMPI_COMM_WORLD_RANK/SIZE or SLURM_PROCID/SLURM_NTASKS when set
        {{ModelOptions.Help}}
        Files that cannot be read or decoded are recorded with their error and skipped. Rows are written one
        transaction per batch: a run killed at any point is finished by running it again.
        example: siglip2 index ~/Pictures --db photos.db --model google/siglip2-base-patch16-224
        """;

    public int Run(IReadOnlyList<string> args)
    {
        if (args.Count > 0 && args[0] == "merge") return Merge(args.Skip(1).ToList());
        var a = ParsedArguments.Parse(args, ["--db", "--shard", .. ModelOptions.ValueOptions], ["--reindex", "--exact-decode", "--fast-decode", .. ModelOptions.FlagOptions]);
        if (a.Positionals.Count == 0) throw new UsageException("give at least one folder to index");
        string db = a.Required("--db", "the index database file");
        var shard = a.Optional("--shard") is { } s ? IndexShard.Parse(s) : IndexShard.FromEnvironment();
        if (shard is { Count: 1 }) shard = null;
        if (shard is not null) db = shard.DatabasePath(db);
        foreach (string dir in a.Positionals)
            if (!Directory.Exists(dir)) throw new Siglip2Exception($"folder to index not found: {dir}");
        string modelId = a.Required("--model", "a checkpoint folder or Hub id");
        if (Directory.Exists(modelId)) modelId = Path.GetFullPath(modelId);
        using var pipeline = ModelOptions.LoadInference(a, ["image"], out var loadedOnnx);
        using var onnx = loadedOnnx;
        using var store = ImageIndexStore.Open(db, create: true);
        var indexer = new ImageIndexer(new PipelineImageEmbedder(pipeline, modelId, onnx), store, pipeline.Options.BatchSize,
            DecodeOptions(a, pipeline.Options.Decode), shard);
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

    /// <summary>DCT-scaled JPEG decoding by default (--fast-decode, its old name, is accepted); --exact-decode for full decodes.</summary>
    public static ImageDecodeOptions? DecodeOptions(ParsedArguments a, ImageDecodeOptions? baseOptions)
    {
        if (a.Flag("--exact-decode") && a.Flag("--fast-decode")) throw new UsageException("give --exact-decode or --fast-decode, not both");
        return a.Flag("--exact-decode") ? baseOptions : (baseOptions ?? ImageDecodeOptions.Default) with { JpegMinimumSide = FastDecodeMinimumSide };
    }

    /// <summary>The shortest side a DCT-scaled JPEG keeps: above every official input (224–512 px; NaFlex ≤ 1024 patches).</summary>
    public const int FastDecodeMinimumSide = 512;

    private static int Merge(IReadOnlyList<string> args)
    {
        var a = ParsedArguments.Parse(args, ["--db"], ["--json"]);
        string db = a.Required("--db", "the merged index to write");
        if (a.Positionals.Count == 0) throw new UsageException("give the shard databases to merge, e.g. photos.shard-*.db");
        int rows = ImageIndexMerge.Merge(a.Positionals, db);
        Console.WriteLine($"merged {a.Positionals.Count} shards: {rows} rows → {db}");
        return 0;
    }

    /// <summary>Synchronous progress (System.Progress posts to the thread pool, which would reorder the bar).</summary>
    private sealed class Progress(Action<(int Done, int Total)> report) : IProgress<(int Done, int Total)>
    {
        public void Report((int Done, int Total) value) => report(value);
    }
}
