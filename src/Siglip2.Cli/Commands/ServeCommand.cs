using Siglip2.Cli.Infrastructure;
using Siglip2.Server;
using Siglip2.Tasks;

namespace Siglip2.Cli.Commands;

/// <summary>`siglip2 serve`: the embedding service (OpenAI- and Immich-compatible) over one model.</summary>
public sealed class ServeCommand : ICommand
{
    public string Name => "serve";
    public string Summary => "an embedding server: OpenAI /v1/embeddings, Immich /predict, /health, /ready, /metrics";
    public string Usage => """
        usage: siglip2 serve --model M [--db FILE] [--host 127.0.0.1] [--port 8080] [--api-key KEY] [options]

          --model M         checkpoint folder or Hub id
          --db FILE         an index built by `siglip2 index`: /search, /thumbnail and the page at /
          --host H          address to bind (default 127.0.0.1; any other needs --api-key)
          --port P          port (default 8080)
          --api-key KEY     require Authorization: Bearer KEY (except /health, /ready, /ping)
          --max-batch N     inputs coalesced into one forward pass (default 32)
          --max-wait-ms N   how long the first input of a batch waits for company (default 5)
          --queue N         inputs waiting at most; beyond, 429 with Retry-After (default 1024)
          --max-pixels N    largest image (width × height) accepted; larger ones get 400 (default 40,000,000)
          --dtype T         auto (default): the fastest path here (see `siglip2 embed --help`); fp32 or
                            bf16 (torch), fp32 or int8 (onnx)
          --backend B       torch (TorchSharp) or onnx (ONNX Runtime; graphs cached in ~/.cache/siglip2/onnx)
        example: siglip2 serve --model google/siglip2-base-patch16-224 --port 8080
        """;

    private static long MaxPixels(ParsedArguments a)
    {
        long v = a.Long("--max-pixels", 40_000_000);
        long cap = Siglip2.Processing.Images.ImageDecodeOptions.DefaultMaxPixels;
        return v is >= 1 && v <= cap ? v : throw new UsageException($"--max-pixels must be in 1…{cap:N0}, got {v}");
    }

    public int Run(IReadOnlyList<string> args)
    {
        var a = ParsedArguments.Parse(args, ["--model", "--db", "--host", "--port", "--api-key", "--max-batch", "--max-wait-ms", "--queue", "--max-pixels", "--backend", "--dtype"], []);
        var options = new ServerOptions
        {
            Host = a.Optional("--host") ?? "127.0.0.1",
            Port = a.Int("--port", 8080, 0, 65535),
            ApiKey = a.Optional("--api-key"),
            MaxBatch = a.Int("--max-batch", 32, 1, 4096),
            MaxWaitMilliseconds = a.Int("--max-wait-ms", 5, 0, 10_000),
            QueueCapacity = a.Int("--queue", 1024, 1, 1_000_000),
            Database = a.Optional("--db"),
        };
        string model = a.Required("--model", "a checkpoint folder or Hub id");
        long maxPixels = MaxPixels(a); // option mistakes before a calibration
        string folder = ModelOptions.ResolveFolder(a);
        // calibrate the towers the server can run: images need preprocessor_config.json, texts a tokenizer (the
        // encoder loads it on the first text, so a folder without one still serves images)
        var towers = new List<string>();
        if (File.Exists(Path.Combine(folder, "preprocessor_config.json"))) towers.Add("image");
        if (File.Exists(Path.Combine(folder, "tokenizer.json")) || File.Exists(Path.Combine(folder, "tokenizer.model"))) towers.Add("text");
        var (backend, precision) = ModelOptions.EncoderPath(a, folder, options.MaxBatch, towers);
        using var encoder = Siglip2Encoder.Load(model, new Siglip2EncoderOptions { BatchSize = options.MaxBatch, MaxImagePixels = maxPixels, Backend = backend, Precision = precision });
        Siglip2Server.Run(options, encoder, urls =>
            Console.Error.WriteLine($"siglip2: serving {encoder.ModelId} ({encoder.Dimensions}-d, {ModelOptions.PathName(backend, precision)}) on {string.Join(", ", urls)}; Ctrl+C stops"));
        return 0;
    }
}
