using System.Diagnostics;
using System.Threading.Channels;
using Siglip2.Tasks;

namespace Siglip2.Server;

/// <summary>One input waiting for its embedding: a text, or an encoded image.</summary>
internal sealed class PendingInput(string? text, ReadOnlyMemory<byte> image, CancellationToken cancel)
{
    public string? Text { get; } = text;
    public ReadOnlyMemory<byte> Image { get; } = image;
    public CancellationToken Cancel { get; } = cancel;
    public TaskCompletionSource<float[]> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>
/// Dynamic batching: inputs of concurrent requests are coalesced into one forward pass (up to
/// <see cref="ServerOptions.MaxBatch"/>, waiting at most <see cref="ServerOptions.MaxWaitMilliseconds"/> for company).
/// The queue is bounded: when full, <see cref="TryEnqueue"/> refuses (the endpoint answers 429). Work of a client that
/// disconnected is dropped before it runs. A batch that fails is rerun input by input, so one bad image fails only its
/// own request. Shutdown completes the queue and drains what is in it.
/// </summary>
public sealed class EmbeddingBatcher : IAsyncDisposable
{
    private readonly Siglip2Encoder _encoder;
    private readonly ServerOptions _options;
    private readonly Channel<PendingInput> _texts, _images;
    private readonly Task _textLoop, _imageLoop;
    private int _queued;
    private long _accepted;

    public ServerMetrics Metrics { get; }

    public EmbeddingBatcher(Siglip2Encoder encoder, ServerOptions options, ServerMetrics metrics)
    {
        _encoder = encoder;
        _options = options;
        Metrics = metrics;
        _texts = Channel.CreateUnbounded<PendingInput>(new UnboundedChannelOptions { SingleReader = true });
        _images = Channel.CreateUnbounded<PendingInput>(new UnboundedChannelOptions { SingleReader = true });
        _textLoop = Task.Run(() => Loop(_texts.Reader, batch => _encoder.EmbedTexts(batch.Select(b => b.Text!).ToList()), "text"));
        _imageLoop = Task.Run(() => Loop(_images.Reader, batch => _encoder.EmbedImages(batch.Select(b => b.Image).ToList()), "image"));
    }

    public int QueueDepth => Volatile.Read(ref _queued);

    /// <summary>The encoder the batches run on (for request-time checks such as a text's token count).</summary>
    internal Siglip2Encoder Encoder => _encoder;

    /// <summary>Inputs accepted into the queue since the start.</summary>
    internal long AcceptedInputs => Interlocked.Read(ref _accepted);

    /// <summary>Queues the inputs of one request, all or none; false when the queue has no room for them.</summary>
    internal bool TryEnqueue(IReadOnlyList<PendingInput> inputs)
    {
        if (Interlocked.Add(ref _queued, inputs.Count) > _options.QueueCapacity)
        {
            Interlocked.Add(ref _queued, -inputs.Count);
            return false;
        }
        Interlocked.Add(ref _accepted, inputs.Count);
        foreach (var input in inputs)
            if (!(input.Text is not null ? _texts.Writer.TryWrite(input) : _images.Writer.TryWrite(input)))
                input.Result.TrySetException(new ApiError(503, "unavailable", "the server is shutting down"));
        return true;
    }

    private async Task Loop(ChannelReader<PendingInput> reader, Func<IReadOnlyList<PendingInput>, float[][]> embed, string kind)
    {
        var batch = new List<PendingInput>(_options.MaxBatch);
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            var deadline = Stopwatch.StartNew();
            while (batch.Count < _options.MaxBatch)
            {
                if (reader.TryRead(out var item))
                {
                    Interlocked.Decrement(ref _queued);
                    if (item.Cancel.IsCancellationRequested) item.Result.TrySetCanceled(item.Cancel); // the client left
                    else batch.Add(item);
                    continue;
                }
                int left = _options.MaxWaitMilliseconds - (int)deadline.ElapsedMilliseconds;
                if (batch.Count == 0 || left <= 0) break;
                using var wait = new CancellationTokenSource(left);
                try { if (!await reader.WaitToReadAsync(wait.Token).ConfigureAwait(false)) break; }
                catch (OperationCanceledException) { break; }
            }
            if (batch.Count == 0) continue;
            Metrics.RecordBatch(kind, batch.Count);
            Run(batch, embed);
        }
    }

    private static void Run(List<PendingInput> batch, Func<IReadOnlyList<PendingInput>, float[][]> embed)
    {
        try
        {
            var vectors = embed(batch);
            for (int i = 0; i < batch.Count; i++) batch[i].Result.TrySetResult(vectors[i]);
        }
        catch (Exception) when (batch.Count > 1)
        {
            foreach (var item in batch) Run([item], embed); // isolate the input that failed
        }
        catch (Exception e)
        {
            batch[0].Result.TrySetException(e);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _texts.Writer.TryComplete();
        _images.Writer.TryComplete();
        await Task.WhenAll(_textLoop, _imageLoop).ConfigureAwait(false); // drain
    }
}
