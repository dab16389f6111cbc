using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Siglip2.Server;
using Siglip2.Tasks;
using Siglip2.Tests.Api;
using Xunit.Abstractions;

namespace Siglip2.Tests.Server;

/// <summary>
/// `serve --backend onnx [--dtype int8]`: the server over an encoder on the ONNX Runtime backend answers with the
/// Hugging Face reference embeddings (fp32, within the fixture's tolerances) or close to the torch server's (int8),
/// through the same batcher.
/// </summary>
public sealed class OnnxServerTests(ITestOutputHelper output)
{
    private static string DataUrl(string path) => "data:image/png;base64," + Convert.ToBase64String(File.ReadAllBytes(path));
    private static float[] Floats(JsonNode node) => node.AsArray().Select(v => (float)v!).ToArray();

    private static async Task<float[][]> Embed(Siglip2Encoder encoder, string[] texts, string[] images)
    {
        var app = Siglip2Server.Build(new ServerOptions { Port = 0, MaxWaitMilliseconds = 20 }, encoder);
        await app.StartAsync();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()), Timeout = TimeSpan.FromSeconds(60) };
            var response = await http.PostAsJsonAsync("/v1/embeddings", new { input = texts.Concat(images.Select(DataUrl)).ToArray() });
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var data = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["data"]!.AsArray();
            return data.Select(d => Floats(d!["embedding"]!)).ToArray();
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    private static double Cosine(float[] a, float[] b)
    {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.Length; i++) { dot += a[i] * (double)b[i]; na += a[i] * (double)a[i]; nb += b[i] * (double)b[i]; }
        return dot / Math.Sqrt(na * nb);
    }

    [Fact]
    public async Task TheOnnxBackendServesTheReferenceInFp32AndCloseInInt8()
    {
        using var checkpoint = ApiReference.FolderWithTokenizer(ApiReference.Fixed);
        using var cache = new TempDirectory();
        var texts = ApiReference.ReferenceTexts(ApiReference.Fixed);
        var images = ApiReference.Images(ApiReference.Fixed);
        int t = texts.Length;

        float[][] torchRows;
        using (var torchEncoder = Siglip2Encoder.Load(checkpoint.Path))
            torchRows = await Embed(torchEncoder, texts, images);

        using (var fp32 = Siglip2Encoder.Load(checkpoint.Path, new Siglip2EncoderOptions { Backend = Siglip2Backend.Onnx, OnnxCacheFolder = cache.Path, OnnxThreads = 1 }))
        {
            Assert.Equal(Siglip2Backend.Onnx, fp32.Backend);
            var rows = await Embed(fp32, texts, images);
            ApiReference.AssertClose(rows[..t], ApiReference.Fixed, "text_embeds");
            ApiReference.AssertClose(rows[t..], ApiReference.Fixed, "image_embeds");
        }

        using var int8 = Siglip2Encoder.Load(checkpoint.Path, new Siglip2EncoderOptions { Backend = Siglip2Backend.Onnx, Precision = Siglip2Precision.Int8, OnnxCacheFolder = cache.Path, OnnxThreads = 1 });
        var quantised = await Embed(int8, texts, images);
        double worst = quantised.Select((row, i) => Cosine(row, torchRows[i])).Min();
        output.WriteLine($"serve --backend onnx --dtype int8 vs torch fp32: min cosine {worst:F6} over {quantised.Length} inputs");
        Assert.InRange(worst, 0.998, 1.0);
        Assert.True(quantised.Zip(torchRows).Any(p => !p.First.SequenceEqual(p.Second)), "int8 rows equal the fp32 rows bit for bit: the int8 graph did not run");
    }

    [Fact]
    public void EncoderOptionsRefusePathsTheBackendCannotRun()
    {
        using var checkpoint = ApiReference.FolderWithTokenizer(ApiReference.Fixed);
        var e = Assert.Throws<Siglip2Exception>(() => Siglip2Encoder.Load(checkpoint.Path, new Siglip2EncoderOptions { Precision = Siglip2Precision.Int8 }));
        Assert.Contains("Backend Onnx", e.Message);
        e = Assert.Throws<Siglip2Exception>(() => Siglip2Encoder.Load(checkpoint.Path, new Siglip2EncoderOptions { Backend = Siglip2Backend.Onnx, Precision = Siglip2Precision.BFloat16 }));
        Assert.Contains("Backend Torch", e.Message);
    }
}
