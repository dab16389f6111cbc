using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Siglip2.Server;
using Siglip2.Tasks;
using Siglip2.Tests.Api;

namespace Siglip2.Tests.Server;

/// <summary>
/// The batcher's queue semantics on the tiny fixture: work of a client that left is dropped before it runs, shutdown
/// drains what is queued (every accepted input gets its embedding) and refuses what comes after, and the server's
/// stop lets in-flight requests finish.
/// </summary>
public sealed class EmbeddingBatcherTests : IDisposable
{
    private readonly TempDirectory _checkpoint = ApiReference.FolderWithTokenizer(ApiReference.Fixed);
    private readonly Siglip2Encoder _encoder;

    public EmbeddingBatcherTests() => _encoder = Siglip2Encoder.Load(_checkpoint.Path);

    public void Dispose()
    {
        _encoder.Dispose();
        _checkpoint.Dispose();
    }

    private static long BatchedInputs(ServerMetrics metrics, string kind) =>
        long.Parse(metrics.Render(0).Split('\n').Single(l => l.StartsWith($"siglip2_batch_size_sum{{kind=\"{kind}\"}}", StringComparison.Ordinal)).Split(' ')[1]);

    [Fact]
    public async Task QueuedWorkOfAClientThatLeftIsDroppedBeforeItRuns()
    {
        var metrics = new ServerMetrics();
        // a long wait for company: everything below is read into one batch, after the cancellation
        var options = new ServerOptions { MaxWaitMilliseconds = 200 };
        var batcher = new EmbeddingBatcher(_encoder, options, metrics);
        using var left = new CancellationTokenSource();
        left.Cancel();
        var gone = Enumerable.Range(0, 3).Select(i => new PendingInput($"text {i}", default, left.Token)).ToList();
        var stays = new PendingInput(ApiReference.ReferenceTexts(ApiReference.Fixed)[0], default, CancellationToken.None);
        Assert.True(batcher.TryEnqueue([.. gone, stays]));
        float[] vector = await stays.Result.Task.WaitAsync(TimeSpan.FromSeconds(30));
        ApiReference.AssertClose([vector], ApiReference.Fixed, "text_embeds", rows: 1);
        foreach (var g in gone) await Assert.ThrowsAnyAsync<OperationCanceledException>(() => g.Result.Task);
        await batcher.DisposeAsync();
        Assert.Equal(1, BatchedInputs(metrics, "text")); // only the input whose client stayed was embedded
        Assert.Equal(0, batcher.QueueDepth);
    }

    [Fact]
    public async Task ShutdownDrainsTheQueueAndRefusesLaterInputs()
    {
        var metrics = new ServerMetrics();
        var batcher = new EmbeddingBatcher(_encoder, new ServerOptions { MaxBatch = 2, MaxWaitMilliseconds = 50 }, metrics);
        var texts = ApiReference.ReferenceTexts(ApiReference.Fixed);
        var queued = Enumerable.Range(0, 7).Select(i => new PendingInput(texts[i % texts.Length], default, CancellationToken.None)).ToList();
        Assert.True(batcher.TryEnqueue(queued));
        await batcher.DisposeAsync(); // returns once the queue is empty
        Assert.All(queued, q => Assert.True(q.Result.Task.IsCompletedSuccessfully));
        var expected = ApiReference.Expected(ApiReference.Fixed, "text_embeds");
        for (int i = 0; i < queued.Count; i++)
            Assert.True((await queued[i].Result.Task).Zip(expected[i % texts.Length], (a, b) => Math.Abs(a - b)).Max() <= ApiReference.Tolerance(ApiReference.Fixed, "text_embeds"));
        Assert.Equal(7, BatchedInputs(metrics, "text"));
        var late = new PendingInput("late", default, CancellationToken.None);
        batcher.TryEnqueue([late]);
        var e = await Assert.ThrowsAsync<ApiError>(() => late.Result.Task);
        Assert.Equal(503, e.Status);
    }

    [Fact]
    public async Task StoppingTheServerLetsInFlightRequestsFinish()
    {
        // the first input waits up to 3 s for company: the stop below comes while all six are in flight
        var app = Siglip2Server.Build(new ServerOptions { Port = 0, MaxBatch = 32, MaxWaitMilliseconds = 3000 }, _encoder);
        await app.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()), Timeout = TimeSpan.FromSeconds(60) };
        var texts = ApiReference.ReferenceTexts(ApiReference.Fixed);
        var requests = Enumerable.Range(0, 6).Select(i => http.PostAsJsonAsync("/v1/embeddings", new { input = texts[i % texts.Length] })).ToList();
        // wait until the server holds all six (they wait for company), then stop it
        var batcher = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<EmbeddingBatcher>(app.Services);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (batcher.AcceptedInputs < 6 && DateTime.UtcNow < deadline) await Task.Delay(5);
        Assert.Equal(6, batcher.AcceptedInputs);
        Assert.True(requests.All(r => !r.IsCompleted), "a request finished before the stop: the test did not stop a busy server");
        await app.StopAsync();
        var expected = ApiReference.Expected(ApiReference.Fixed, "text_embeds");
        for (int i = 0; i < requests.Count; i++)
        {
            var response = await requests[i];
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var v = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["data"]![0]!["embedding"]!.AsArray().Select(x => (float)x!).ToArray();
            Assert.True(v.Zip(expected[i % texts.Length], (a, b) => Math.Abs(a - b)).Max() <= ApiReference.Tolerance(ApiReference.Fixed, "text_embeds"));
        }
        await app.DisposeAsync();
    }
}
