using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Siglip2.Server;
using Siglip2.Tasks;
using Siglip2.Tests.Api;
using Siglip2.Tests.Reliability;

namespace Siglip2.Tests.Server;

/// <summary>/embed, /classify, /search, /thumbnail and the page, over an index of the tiny fixture's images.</summary>
public sealed class SearchServerTests : IAsyncLifetime
{
    private TempDirectory _checkpoint = null!, _tmp = null!;
    private Siglip2Encoder _encoder = null!;
    private WebApplication _app = null!;
    private HttpClient _http = null!;
    private string _photos = "";

    public async Task InitializeAsync()
    {
        _checkpoint = ApiReference.FolderWithTokenizer(ApiReference.Fixed);
        _tmp = new TempDirectory();
        _photos = _tmp.File("photos");
        Directory.CreateDirectory(_photos);
        foreach (string f in ApiReference.Images(ApiReference.Fixed)) File.Copy(f, Path.Combine(_photos, Path.GetFileName(f)));
        var r = CliRun.Main("index", _photos, "--db", _tmp.File("photos.db"), "--model", _checkpoint.Path);
        Assert.True(r.ExitCode == 0, r.StdErr);
        _encoder = Siglip2Encoder.Load(_checkpoint.Path, new Siglip2EncoderOptions { ModelId = Path.GetFullPath(_checkpoint.Path) });
        _app = Siglip2Server.Build(new ServerOptions { Port = 0, Database = _tmp.File("photos.db") }, _encoder);
        await _app.StartAsync();
        _http = new HttpClient { BaseAddress = new Uri(_app.Urls.First()) };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _encoder.Dispose();
        _checkpoint.Dispose();
        _tmp.Dispose();
    }

    private static string Base64(string path) => Convert.ToBase64String(File.ReadAllBytes(path));

    [Fact]
    public async Task SearchByImageAndTextAndServeThumbnailsOfIndexedFilesOnly()
    {
        string target = Path.Combine(_photos, Path.GetFileName(ApiReference.Images(ApiReference.Fixed)[2]));
        var byImage = JsonNode.Parse(await (await _http.PostAsync("/search?k=2", new ByteArrayContent(File.ReadAllBytes(target)))).Content.ReadAsStringAsync())!;
        Assert.Equal(3, (int)byImage["count"]!);
        Assert.Equal(target, (string)byImage["results"]![0]!["path"]!);
        Assert.True(Math.Abs((float)byImage["results"]![0]!["score"]! - 1) < 1e-5);
        var byJson = JsonNode.Parse(await (await _http.PostAsJsonAsync("/search", new { image = Base64(target), k = 1 })).Content.ReadAsStringAsync())!;
        Assert.Equal(target, (string)byJson["results"]![0]!["path"]!);
        // text: the CLI's search gives the same order
        string text = ApiReference.ReferenceTexts(ApiReference.Fixed)[0];
        var byText = JsonNode.Parse(await _http.GetStringAsync("/search?k=3&q=" + Uri.EscapeDataString(text)))!;
        var cli = JsonNode.Parse(CliRun.Main("search", "--db", _tmp.File("photos.db"), text, "--json").StdOut)!.AsArray();
        Assert.Equal(cli.Select(h => (string)h!["path"]!), byText["results"]!.AsArray().Select(h => (string)h!["path"]!));

        var thumb = await _http.GetAsync((string)byImage["results"]![0]!["thumbnail"]!);
        Assert.Equal(HttpStatusCode.OK, thumb.StatusCode);
        Assert.Equal("image/jpeg", thumb.Content.Headers.ContentType!.MediaType);
        foreach (string other in new[] { "/etc/passwd", _photos + "/../photos.db", _tmp.File("photos.db") })
            Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync("/thumbnail?path=" + Uri.EscapeDataString(other))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _http.GetAsync("/search?q=x&k=0")).StatusCode);
    }

    [Fact]
    public async Task EmbedAndClassifyGiveTheReference()
    {
        string image = ApiReference.Images(ApiReference.Fixed)[0];
        var embed = JsonNode.Parse(await (await _http.PostAsJsonAsync("/embed", new { texts = new[] { ApiReference.ReferenceTexts(ApiReference.Fixed)[0] }, images = new[] { Base64(image) } })).Content.ReadAsStringAsync())!;
        ApiReference.AssertClose([embed["images"]![0]!.AsArray().Select(v => (float)v!).ToArray()], ApiReference.Fixed, "image_embeds", rows: 1);
        ApiReference.AssertClose([embed["texts"]![0]!.AsArray().Select(v => (float)v!).ToArray()], ApiReference.Fixed, "text_embeds", rows: 1);
        var labels = ApiReference.ReferenceTexts(ApiReference.Fixed).Take(2).ToArray();
        var classify = JsonNode.Parse(await (await _http.PostAsJsonAsync("/classify", new { image = Base64(image), labels, template = "{}" })).Content.ReadAsStringAsync())!.AsArray();
        Assert.Equal(2, classify.Count);
        foreach (var p in classify)
        {
            int t = Array.IndexOf(labels, (string)p!["label"]!);
            var (_, probability) = ApiReference.ReferenceScore(ApiReference.Fixed, 0, t);
            Assert.True(Math.Abs((double)p["probability"]! - probability) < 1e-5, $"{p["label"]}: {p["probability"]} vs {probability}");
        }
        Assert.Equal(HttpStatusCode.BadRequest, (await _http.PostAsJsonAsync("/classify", new { image = Base64(image), labels = Array.Empty<string>() })).StatusCode);
    }

    [Fact]
    public async Task ThePageIsServedWithoutExternalAssets()
    {
        string page = await _http.GetStringAsync("/");
        Assert.Contains("<input id=\"q\"", page);
        Assert.DoesNotContain("https://", page);
        Assert.DoesNotContain("http://", page);
    }
}
