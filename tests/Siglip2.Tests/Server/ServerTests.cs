using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Siglip2.Server;
using Siglip2.Tasks;
using Siglip2.Tests.Api;
using Siglip2.Tests.Reliability;

namespace Siglip2.Tests.Server;

/// <summary>
/// The server on loopback with the tiny fixture: OpenAI and Immich shapes give the reference embeddings, errors are
/// JSON 4xx that never disturb good requests, concurrent clients are batched, a full queue answers 429, and a
/// non-loopback bind needs an API key.
/// </summary>
public sealed class ServerTests : IAsyncLifetime
{
    private TempDirectory _checkpoint = null!;
    private Siglip2Encoder _encoder = null!;
    private WebApplication _app = null!;
    private HttpClient _http = null!;

    private static string Image(int i) => ApiReference.Images(ApiReference.Fixed)[i];
    private static string DataUrl(string path) => "data:image/png;base64," + Convert.ToBase64String(File.ReadAllBytes(path));

    public async Task InitializeAsync()
    {
        _checkpoint = ApiReference.FolderWithTokenizer(ApiReference.Fixed);
        _encoder = Siglip2Encoder.Load(_checkpoint.Path);
        _app = await Start(new ServerOptions { Port = 0, MaxWaitMilliseconds = 20 });
        _http = new HttpClient { BaseAddress = new Uri(_app.Urls.First()), Timeout = TimeSpan.FromSeconds(60) };
    }

    private async Task<WebApplication> Start(ServerOptions options)
    {
        var app = Siglip2Server.Build(options, _encoder);
        await app.StartAsync();
        return app;
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _encoder.Dispose();
        _checkpoint.Dispose();
    }

    private static float[] Floats(JsonNode node) => node.AsArray().Select(v => (float)v!).ToArray();

    [Fact]
    public async Task OpenAiEmbeddingsGiveTheReference()
    {
        string text = ApiReference.ReferenceTexts(ApiReference.Fixed)[0];
        var response = await _http.PostAsJsonAsync("/v1/embeddings", new { model = "x", input = new[] { text, DataUrl(Image(0)) } });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("list", (string)body["object"]!);
        var data = body["data"]!.AsArray();
        Assert.Equal([0, 1], data.Select(d => (int)d!["index"]!));
        ApiReference.AssertClose([Floats(data[0]!["embedding"]!)], ApiReference.Fixed, "text_embeds", rows: 1);
        ApiReference.AssertClose([Floats(data[1]!["embedding"]!)], ApiReference.Fixed, "image_embeds", rows: 1);
        // base64: little-endian float32, the same numbers
        var b64 = JsonNode.Parse(await (await _http.PostAsJsonAsync("/v1/embeddings", new { input = DataUrl(Image(0)), encoding_format = "base64" })).Content.ReadAsStringAsync())!;
        byte[] bytes = Convert.FromBase64String((string)b64["data"]![0]!["embedding"]!);
        var decoded = new float[bytes.Length / 4];
        Buffer.BlockCopy(bytes, 0, decoded, 0, bytes.Length);
        ApiReference.AssertClose([decoded], ApiReference.Fixed, "image_embeds", rows: 1);
    }

    [Fact]
    public async Task ImmichRequestsParseAndAnswerInImmichsShape()
    {
        using var visual = new MultipartFormDataContent
        {
            { new StringContent("{\"clip\":{\"visual\":{\"modelName\":\"ViT-B-16-SigLIP2__webli\",\"options\":{}}}}"), "entries" },
            { new ByteArrayContent(File.ReadAllBytes(Image(0))) { Headers = { ContentType = new MediaTypeHeaderValue("image/png") } }, "image", "photo.png" },
        };
        var v = JsonNode.Parse(await (await _http.PostAsync("/predict", visual)).Content.ReadAsStringAsync())!;
        ApiReference.AssertClose([Floats(JsonNode.Parse((string)v["clip"]!)!)], ApiReference.Fixed, "image_embeds", rows: 1);
        Assert.Equal(30, (int)v["imageHeight"]!);
        Assert.Equal(45, (int)v["imageWidth"]!);
        using var textual = new MultipartFormDataContent
        {
            { new StringContent("{\"clip\":{\"textual\":{\"modelName\":\"ViT-B-16-SigLIP2__webli\",\"options\":{\"language\":\"en\"}}}}"), "entries" },
            { new StringContent(ApiReference.ReferenceTexts(ApiReference.Fixed)[0]), "text" },
        };
        var t = JsonNode.Parse(await (await _http.PostAsync("/predict", textual)).Content.ReadAsStringAsync())!;
        ApiReference.AssertClose([Floats(JsonNode.Parse((string)t["clip"]!)!)], ApiReference.Fixed, "text_embeds", rows: 1);
        Assert.Equal("pong", await _http.GetStringAsync("/ping"));
    }

    [Fact]
    public async Task ImmichsNodeFormDataBlobOfARotatedJpegGetsItsDisplayedSize()
    {
        // Immich appends the file as a bare Blob: part name "image", file name "blob", no image content type
        var (rgb, _) = Siglip2.Tests.Processing.Images.ImageDecoderTests.Blocks();
        byte[] jpeg = Siglip2.Tests.Processing.Images.EncodedImages.WithExifOrientation(
            Siglip2.Tests.Processing.Images.EncodedImages.SkiaEncode(64, 32, rgb, SkiaSharp.SKEncodedImageFormat.Jpeg, 95), 6);
        using var visual = new MultipartFormDataContent
        {
            { new StringContent("{\"clip\":{\"visual\":{\"modelName\":\"ViT-B-16-SigLIP2__webli\"}}}"), "entries" },
            { new ByteArrayContent(jpeg) { Headers = { ContentType = new MediaTypeHeaderValue("application/octet-stream") } }, "image", "blob" },
        };
        var response = await _http.PostAsync("/predict", visual);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var v = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal((32, 64), ((int)v["imageWidth"]!, (int)v["imageHeight"]!)); // orientation 6: turned upright
        Assert.Equal(_encoder.EmbedImage(jpeg), Floats(JsonNode.Parse((string)v["clip"]!)!));
        // a long query is truncated, as Immich's own service does
        using var textual = new MultipartFormDataContent
        {
            { new StringContent("{\"clip\":{\"textual\":{\"modelName\":\"ViT-B-16-SigLIP2__webli\",\"options\":{}}}}"), "entries" },
            { new StringContent(string.Concat(Enumerable.Repeat(ApiReference.ReferenceTexts(ApiReference.Fixed)[0], 80))), "text" },
        };
        Assert.Equal(HttpStatusCode.OK, (await _http.PostAsync("/predict", textual)).StatusCode);
    }

    [Fact]
    public async Task ATextOverTheLengthIsRefusedUnlessTheRequestAsksToTruncate()
    {
        string longText = string.Concat(Enumerable.Repeat(ApiReference.ReferenceTexts(ApiReference.Fixed)[0], 80)); // the fixture's tokenizer has one id per character
        var (tokens, capacity) = _encoder.CountTokens(longText);
        Assert.True(tokens > capacity);
        var refused = await _http.PostAsJsonAsync("/v1/embeddings", new { input = new[] { "a cat", longText } });
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        string message = (string)JsonNode.Parse(await refused.Content.ReadAsStringAsync())!["error"]!["message"]!;
        Assert.Contains("input 1", message);
        Assert.Contains("truncate", message);
        Assert.Equal(HttpStatusCode.BadRequest, (await _http.PostAsJsonAsync("/embed", new { texts = new[] { longText } })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _http.PostAsJsonAsync("/v1/embeddings", new { input = "x", truncate = "yes" })).StatusCode);

        var truncated = await _http.PostAsJsonAsync("/v1/embeddings", new { input = longText, truncate = true });
        Assert.Equal(HttpStatusCode.OK, truncated.StatusCode);
        var vector = Floats(JsonNode.Parse(await truncated.Content.ReadAsStringAsync())!["data"]![0]!["embedding"]!);
        Assert.Equal(_encoder.EmbedText(longText), vector); // the library truncates as the reference processor does
        var viaEmbed = JsonNode.Parse(await (await _http.PostAsJsonAsync("/embed", new { texts = new[] { longText }, truncate = true })).Content.ReadAsStringAsync())!;
        Assert.Equal(vector, Floats(viaEmbed["texts"]![0]!));
    }

    [Theory]
    [InlineData("{\"input\": ", 400)]
    [InlineData("{\"input\": 3}", 400)]
    [InlineData("{\"input\": [\"a\", 3]}", 400)]
    [InlineData("{\"input\": \"data:text/plain;base64,aGk=\"}", 400)]
    [InlineData("{\"input\": \"data:image/png;base64,!!!\"}", 400)]
    [InlineData("{\"input\": \"data:image/png;base64,aGVsbG8=\"}", 400)]
    [InlineData("{\"input\": []}", 400)]
    [InlineData("{\"input\": \"x\", \"encoding_format\": \"hex\"}", 400)]
    [InlineData("[1]", 400)]
    public async Task MalformedRequestsGetJson4xx(string body, int status)
    {
        var response = await _http.PostAsync("/v1/embeddings", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(status, (int)response.StatusCode);
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!;
        Assert.False(string.IsNullOrEmpty((string)error["message"]!));
        Assert.False(string.IsNullOrEmpty((string)error["type"]!));
        Assert.Equal("ok", (string)JsonNode.Parse(await _http.GetStringAsync("/health"))!["status"]!); // still alive
    }

    /// <summary>32 concurrent clients, good and malformed mixed: every good one gets its embedding, batches form.</summary>
    [Fact]
    public async Task ConcurrentClientsAreBatchedAndBadOnesDoNotHurtGoodOnes()
    {
        var expected = ApiReference.Expected(ApiReference.Fixed, "image_embeds");
        string corrupt = "data:image/png;base64," + Convert.ToBase64String(File.ReadAllBytes(Image(1))[..100]);
        var tasks = Enumerable.Range(0, 32).Select(async client =>
        {
            var results = new List<(int Image, HttpStatusCode Status, float[]? Vector)>();
            for (int r = 0; r < 4; r++)
            {
                int image = (client + r) % 3;
                bool bad = (client + r) % 5 == 0;
                var response = await _http.PostAsJsonAsync("/v1/embeddings", new { input = bad ? corrupt : DataUrl(Image(image)) });
                var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
                results.Add((bad ? -1 : image, response.StatusCode, bad ? null : Floats(body["data"]![0]!["embedding"]!)));
            }
            return results;
        }).ToList();
        var all = (await Task.WhenAll(tasks)).SelectMany(r => r).ToList();
        Assert.Equal(128, all.Count);
        foreach (var (image, status, vector) in all)
        {
            if (image < 0) { Assert.Equal(HttpStatusCode.BadRequest, status); continue; }
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.True(vector!.Zip(expected[image], (a, b) => Math.Abs(a - b)).Max() <= ApiReference.Tolerance(ApiReference.Fixed, "image_embeds"));
        }
        string metrics = await _http.GetStringAsync("/metrics");
        var count = metrics.Split('\n').Single(l => l.StartsWith("siglip2_batch_size_count{kind=\"image\"}"));
        long batches = long.Parse(count.Split(' ')[1]);
        Assert.True(batches < 128, $"{batches} forward passes for 128 inputs: no batching\n{metrics}");
        Assert.Contains("siglip2_requests_total{route=\"/v1/embeddings\",status=\"400\"}", metrics);
    }

    [Fact]
    public async Task AFullQueueAnswers429AndTooManyInputs413()
    {
        await using var small = await Start(new ServerOptions { Port = 0, QueueCapacity = 2, MaxInputsPerRequest = 8 });
        using var http = new HttpClient { BaseAddress = new Uri(small.Urls.First()) };
        var full = await http.PostAsJsonAsync("/v1/embeddings", new { input = new[] { "a", "b", "c" } });
        Assert.Equal(HttpStatusCode.TooManyRequests, full.StatusCode);
        Assert.Equal("1", full.Headers.GetValues("Retry-After").Single());
        var many = await http.PostAsJsonAsync("/v1/embeddings", new { input = Enumerable.Repeat("a", 9).ToArray() });
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, many.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsJsonAsync("/v1/embeddings", new { input = "a" })).StatusCode);
    }

    [Fact]
    public void ServeCommandLineMistakesExitTwo()
    {
        Assert.Equal(2, CliRun.Main("serve", "--model", _checkpoint.Path, "--max-pixels", "0").ExitCode);
        Assert.Equal(2, CliRun.Main("serve", "--model", _checkpoint.Path, "--port", "70000").ExitCode);
        Assert.Equal(2, CliRun.Main("serve").ExitCode);
        var int8OnTorch = CliRun.Main("serve", "--model", _checkpoint.Path, "--dtype", "int8");
        Assert.Equal(2, int8OnTorch.ExitCode);
        Assert.Contains("--backend onnx", int8OnTorch.StdErr);
        Assert.Equal(2, CliRun.Main("serve", "--model", _checkpoint.Path, "--backend", "onnx", "--dtype", "bf16").ExitCode);
    }

    [Fact]
    public async Task ANonLoopbackBindNeedsAnApiKey()
    {
        var e = Assert.Throws<Siglip2Exception>(() => Siglip2Server.Build(new ServerOptions { Host = "0.0.0.0", Port = 0 }, _encoder));
        Assert.Contains("--api-key", e.Message);
        await using var keyed = await Start(new ServerOptions { Port = 0, ApiKey = "secret" });
        using var http = new HttpClient { BaseAddress = new Uri(keyed.Urls.First()) };
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.PostAsJsonAsync("/v1/embeddings", new { input = "a" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health")).StatusCode);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "secret");
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsJsonAsync("/v1/embeddings", new { input = "a" })).StatusCode);
    }
}
