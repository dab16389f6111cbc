using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Siglip2.Tests.Hub;

/// <summary>One request the fake Hub saw.</summary>
public sealed record FakeHubRequest(string Host, string Method, string Path, string? Authorization, string? Range);

/// <summary>
/// A fake Hugging Face Hub on 127.0.0.1 (Kestrel, random ports) with the routes and headers of the real one:
/// <c>GET /api/models/{repo}/revision/{rev}</c>; <c>HEAD|GET /{repo}/resolve/{rev}/{file}</c> answering small files
/// with <c>ETag</c> (git blob id) and <c>X-Repo-Commit</c>, and LFS files (*.safetensors) with a 302 to a second server
/// (another origin, as the real CDN) plus <c>X-Linked-Etag</c> (sha256) and <c>X-Linked-Size</c>; errors with
/// <c>X-Error-Code</c>. Faults to inject: 5xx answers, a connection dropped mid-file, corrupt LFS bytes, slowness.
/// </summary>
public sealed class FakeHub : IAsyncDisposable
{
    public sealed record Repo(string Commit, Dictionary<string, byte[]> Files, bool Gated = false);

    private readonly WebApplication _main, _lfs;
    public ConcurrentQueue<FakeHubRequest> Requests { get; } = new();
    public Dictionary<string, Repo> Repos { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, string> Branches { get; } = new(StringComparer.Ordinal); // "org/name@branch" → commit
    public string ValidToken { get; set; } = "hf_test_token";
    public int FailNextRequests;                    // answer 503 this many times
    public int DropNextLfsDownloadsAfterBytes = -1; // close the connection after this many bytes of the next LFS GET
    public int DropCount;                           // how many LFS GETs to drop
    public bool CorruptLfs;
    public TimeSpan Delay = TimeSpan.Zero;

    public Uri Endpoint { get; }
    public Uri LfsEndpoint { get; }

    private FakeHub(WebApplication main, WebApplication lfs)
    {
        _main = main;
        _lfs = lfs;
        Endpoint = new Uri(main.Urls.First());
        LfsEndpoint = new Uri(lfs.Urls.First());
    }

    public static async Task<FakeHub> StartAsync()
    {
        var main = Build();
        var lfs = Build();
        FakeHub? hub = null;
        main.MapGet("/api/models/{org}/{name}/revision/{rev}", (HttpContext c, string org, string name, string rev) => hub!.Info(c, $"{org}/{name}", rev));
        main.MapMethods("/{org}/{name}/resolve/{rev}/{**file}", ["GET", "HEAD"], (HttpContext c, string org, string name, string rev, string file) => hub!.Resolve(c, $"{org}/{name}", rev, file));
        lfs.MapGet("/blobs/{sha}", (HttpContext c, string sha) => hub!.Blob(c, sha));
        foreach (var app in new[] { main, lfs }) app.Urls.Add("http://127.0.0.1:0");
        await main.StartAsync();
        await lfs.StartAsync();
        hub = new FakeHub(main, lfs);
        return hub;
    }

    private static WebApplication Build()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel();
        return builder.Build();
    }

    /// <summary>Publishes a folder's files as repository <paramref name="repo"/> at a fresh commit, branch main.</summary>
    public string AddRepo(string repo, string folder, bool gated = false, string branch = "main", IEnumerable<string>? only = null)
    {
        var files = Directory.EnumerateFiles(folder).Where(f => only is null || only.Contains(Path.GetFileName(f)))
            .ToDictionary(f => Path.GetFileName(f), File.ReadAllBytes, StringComparer.Ordinal);
        string commit = Convert.ToHexString(SHA1.HashData(Encoding.UTF8.GetBytes(repo + folder + Repos.Count))).ToLowerInvariant();
        Repos[repo] = new Repo(commit, files, gated);
        Branches[$"{repo}@{branch}"] = commit;
        return commit;
    }

    public static string Sha256(byte[] data) => Convert.ToHexString(SHA256.HashData(data)).ToLowerInvariant();

    /// <summary>The git blob id, the ETag the Hub gives small files.</summary>
    public static string GitBlobId(byte[] data) =>
        Convert.ToHexString(SHA1.HashData([.. Encoding.ASCII.GetBytes($"blob {data.Length}\0"), .. data])).ToLowerInvariant();

    private static bool IsLfs(string file) => file.EndsWith(".safetensors", StringComparison.Ordinal);

    private async Task<bool> Common(HttpContext c)
    {
        Requests.Enqueue(new FakeHubRequest(c.Request.Host.ToString(), c.Request.Method, c.Request.Path, c.Request.Headers.Authorization.FirstOrDefault(), c.Request.Headers.Range.FirstOrDefault()));
        if (Delay > TimeSpan.Zero) await Task.Delay(Delay, c.RequestAborted);
        if (Interlocked.Decrement(ref FailNextRequests) >= 0) { c.Response.StatusCode = 503; return false; }
        return true;
    }

    private bool Authorised(HttpContext c, Repo repo)
    {
        if (!repo.Gated || c.Request.Headers.Authorization.FirstOrDefault() == $"Bearer {ValidToken}") return true;
        c.Response.StatusCode = c.Request.Headers.Authorization.Count == 0 ? 401 : 403;
        c.Response.Headers["X-Error-Code"] = "GatedRepo";
        c.Response.Headers["X-Error-Message"] = "Access to this model is restricted.";
        return false;
    }

    private (Repo? Repo, string? Commit) Find(HttpContext c, string repo, string rev)
    {
        if (!Repos.TryGetValue(repo, out var r))
        {
            c.Response.StatusCode = 401; // as the Hub answers an unknown repo to anonymous users
            c.Response.Headers["X-Error-Code"] = "RepoNotFound";
            return (null, null);
        }
        if (!Authorised(c, r)) return (null, null);
        string? commit = rev == r.Commit ? rev : Branches.GetValueOrDefault($"{repo}@{rev}");
        if (commit is null)
        {
            c.Response.StatusCode = 404;
            c.Response.Headers["X-Error-Code"] = "RevisionNotFound";
            return (null, null);
        }
        return (r, commit);
    }

    private async Task Info(HttpContext c, string repo, string rev)
    {
        if (!await Common(c)) return;
        var (r, commit) = Find(c, repo, Uri.UnescapeDataString(rev));
        if (r is null) return;
        await c.Response.WriteAsJsonAsync(new { id = repo, sha = commit, siblings = r.Files.Keys.Select(f => new { rfilename = f }) });
    }

    private async Task Resolve(HttpContext c, string repo, string rev, string file)
    {
        if (!await Common(c)) return;
        var (r, commit) = Find(c, repo, Uri.UnescapeDataString(rev));
        if (r is null) return;
        if (!r.Files.TryGetValue(file, out var data))
        {
            c.Response.StatusCode = 404;
            c.Response.Headers["X-Error-Code"] = "EntryNotFound";
            return;
        }
        c.Response.Headers["X-Repo-Commit"] = commit;
        if (IsLfs(file))
        {
            string sha = Sha256(data);
            c.Response.StatusCode = 302;
            c.Response.Headers.Location = new Uri(LfsEndpoint, $"blobs/{sha}").ToString();
            c.Response.Headers["X-Linked-Etag"] = $"\"{sha}\"";
            c.Response.Headers["X-Linked-Size"] = data.Length.ToString(System.Globalization.CultureInfo.InvariantCulture);
            c.Response.Headers.ETag = $"\"{GitBlobId(Encoding.ASCII.GetBytes(sha))}\"";
            return;
        }
        c.Response.Headers.ETag = $"\"{GitBlobId(data)}\"";
        c.Response.ContentLength = data.Length;
        if (HttpMethods.IsGet(c.Request.Method)) await c.Response.Body.WriteAsync(data);
    }

    private async Task Blob(HttpContext c, string sha)
    {
        if (!await Common(c)) return;
        var data = Repos.Values.SelectMany(r => r.Files.Values).FirstOrDefault(d => Sha256(d) == sha);
        if (data is null) { c.Response.StatusCode = 404; return; }
        if (CorruptLfs) { data = (byte[])data.Clone(); data[data.Length / 2] ^= 0xFF; }
        long from = 0;
        if (c.Request.Headers.Range.FirstOrDefault() is { } range && range.StartsWith("bytes=", StringComparison.Ordinal))
        {
            from = long.Parse(range[6..].Split('-')[0], System.Globalization.CultureInfo.InvariantCulture);
            c.Response.StatusCode = 206;
            c.Response.Headers.ContentRange = $"bytes {from}-{data.Length - 1}/{data.Length}";
        }
        c.Response.ContentLength = data.Length - from;
        int drop = DropNextLfsDownloadsAfterBytes;
        if (drop >= 0 && Interlocked.Decrement(ref DropCount) >= 0)
        {
            await c.Response.Body.WriteAsync(data.AsMemory((int)from, Math.Min(drop, data.Length - (int)from)));
            await c.Response.Body.FlushAsync();
            c.Abort(); // the connection breaks mid-file
            return;
        }
        await c.Response.Body.WriteAsync(data.AsMemory((int)from));
    }

    public async ValueTask DisposeAsync()
    {
        await _main.DisposeAsync();
        await _lfs.DisposeAsync();
    }
}
