using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using Polly;
using Polly.Retry;
using Siglip2.Configuration;

namespace Siglip2.Hub;

/// <summary>
/// Downloads checkpoints from the Hugging Face Hub (or a mirror) into the shared cache, speaking the protocol of
/// <c>huggingface_hub</c>: the file list from <c>GET /api/models/{repo}/revision/{rev}</c>, per file a
/// <c>HEAD /{repo}/resolve/{commit}/{file}</c> without following redirects (<see cref="HubFileMetadata"/>), then a
/// <c>GET</c> of the file (resumed with <c>Range</c> from <c>blobs/{etag}.incomplete</c>), checked against its size and,
/// for LFS files, its sha256 before it is moved into <c>blobs/</c> and linked from <c>snapshots/</c>. Transient failures
/// (connection errors, 5xx, 408, 429, timeouts) are retried with exponential backoff by a Polly pipeline; each retry
/// of a download resumes where the last one stopped. The token goes to the endpoint's host only, never to the host
/// a redirect leads to.
/// </summary>
public sealed class HubClient : IDisposable
{
    /// <summary>The files of a checkpoint this library reads; everything else in a repository is left on the Hub.</summary>
    public static readonly string[] CheckpointFiles =
        ["config.json", "preprocessor_config.json", "tokenizer.json", "tokenizer.model", "tokenizer_config.json", "special_tokens_map.json"];

    public const string WeightsFile = "model.safetensors";
    public const string WeightsIndexFile = "model.safetensors.index.json";

    private readonly HubSettings _settings;
    private readonly HttpClient _http;
    private readonly ResiliencePipeline _retry;
    private readonly IProgress<HubDownloadProgress>? _progress;

    public HubClient(HubSettings settings, IProgress<HubDownloadProgress>? progress = null, HttpMessageHandler? handler = null)
    {
        _settings = settings;
        _progress = progress;
        Cache = new HubCache(settings.CacheDirectory);
        _http = new HttpClient(handler ?? new SocketsHttpHandler { AllowAutoRedirect = false, ConnectTimeout = settings.EtagTimeout, AutomaticDecompression = DecompressionMethods.None })
        {
            Timeout = Timeout.InfiniteTimeSpan, // per request and per read, below
        };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("siglip2-dotnet/1.0");
        _retry = new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = Math.Max(0, settings.MaxAttempts - 1),
                Delay = settings.RetryDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                ShouldHandle = new PredicateBuilder().Handle<Exception>(IsTransient),
            })
            .Build();
    }

    public HubCache Cache { get; }

    /// <summary>
    /// The local snapshot folder of <paramref name="id"/> holding its checkpoint files, downloading what is missing;
    /// offline (<c>HF_HUB_OFFLINE=1</c>) from the cache only. A cached commit is used without any request.
    /// </summary>
    public string DownloadCheckpoint(HubModelId id, CancellationToken cancel = default)
    {
        string? cached = Cache.CachedCommit(id);
        if (cached is not null && IsCompleteCheckpoint(Cache.SnapshotFolder(id.Repo, cached)) && (_settings.Offline || id.IsCommit))
            return Cache.SnapshotFolder(id.Repo, cached);
        if (_settings.Offline)
            throw new Siglip2Exception(cached is null
                ? $"{id}: offline (HF_HUB_OFFLINE=1) and the cache {_settings.CacheDirectory} holds no copy of it; download it once online, or unset HF_HUB_OFFLINE"
                : $"{id}: offline (HF_HUB_OFFLINE=1) and the cached snapshot {cached} is incomplete (no config.json or weights); download it once online, or unset HF_HUB_OFFLINE");

        (string commit, HashSet<string> siblings) info;
        try
        {
            info = RepoInfo(id, cancel);
        }
        catch (HubUnreachableException) when (cached is not null && IsCompleteCheckpoint(Cache.SnapshotFolder(id.Repo, cached)) && !cancel.IsCancellationRequested)
        {
            // as huggingface_hub: when the Hub cannot be reached, a complete cached snapshot of the revision is used
            Console.Error.WriteLine($"siglip2: warning: the Hub could not be reached; using the cached snapshot {cached[..12]} of {id}");
            return Cache.SnapshotFolder(id.Repo, cached);
        }
        var (commitId, files) = info;
        if (!files.Contains("config.json"))
            throw new Siglip2Exception($"{id} has no config.json at {commitId[..12]}: it is not a Transformers checkpoint");
        var wanted = CheckpointFiles.Where(files.Contains).ToList();
        if (files.Contains(WeightsFile)) wanted.Add(WeightsFile);
        else if (files.Contains(WeightsIndexFile)) wanted.Add(WeightsIndexFile);
        else
            throw new Siglip2Exception($"{id} has no {WeightsFile} or {WeightsIndexFile} at {commitId[..12]}" +
                (files.Any(f => f.EndsWith(".bin", StringComparison.Ordinal)) ? " (only PyTorch .bin weights, which this library does not read; pick a revision with safetensors)" : ""));

        var pinned = id with { Revision = commitId };
        foreach (string file in wanted) DownloadFile(pinned, file, cancel);
        if (wanted.Contains(WeightsIndexFile))
            foreach (string shard in ShardNames(Path.Combine(Cache.SnapshotFolder(id.Repo, commitId), WeightsIndexFile), files, id))
                DownloadFile(pinned, shard, cancel);
        Cache.WriteRef(id.Repo, id.Revision, commitId);
        return Cache.SnapshotFolder(id.Repo, commitId);
    }

    /// <summary>The commit and the file names of <paramref name="id"/> (<c>GET /api/models/{repo}/revision/{rev}</c>).</summary>
    public (string Commit, HashSet<string> Files) RepoInfo(HubModelId id, CancellationToken cancel = default)
    {
        var url = new Uri(_settings.Endpoint, $"api/models/{id.Repo}/revision/{Uri.EscapeDataString(id.Revision)}");
        byte[] body = Retrying(url, token =>
        {
            using var response = Send(HttpMethod.Get, url, null, _settings.EtagTimeout, token);
            ThrowForStatus(response, id, null);
            using var timeout = Deadline(_settings.EtagTimeout, token);
            try { return ReadLimited(response, InputLimits.JsonConfigBytes, timeout.Token); }
            catch (OperationCanceledException) when (!token.IsCancellationRequested) { throw new TimeoutException("reading the file list"); }
        }, cancel);
        try
        {
            using var doc = StrictJson.ParseDocument(InputFile.DecodeUtf8(body, url.ToString(), "Hub API response"), url.ToString());
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("sha", out var sha) || sha.ValueKind != JsonValueKind.String || !HubModelId.IsCommitHash(sha.GetString()!))
                throw new Siglip2Exception($"{url}: the Hub's answer has no commit \"sha\"; is HF_ENDPOINT ({_settings.Endpoint}) a Hugging Face Hub?");
            var files = new HashSet<string>(StringComparer.Ordinal);
            if (root.TryGetProperty("siblings", out var siblings) && siblings.ValueKind == JsonValueKind.Array)
                foreach (var s in siblings.EnumerateArray())
                    if (s.ValueKind == JsonValueKind.Object && s.TryGetProperty("rfilename", out var name) && name.ValueKind == JsonValueKind.String)
                        files.Add(name.GetString()!);
            return (sha.GetString()!, files);
        }
        catch (InvalidOperationException e)
        {
            throw new Siglip2Exception($"{url}: unexpected answer from the Hub ({e.Message})", e);
        }
    }

    /// <summary>The metadata of one file (<c>HEAD</c>, redirects not followed except relative ones, as huggingface_hub).</summary>
    public HubFileMetadata FileMetadata(HubModelId id, string file, CancellationToken cancel = default)
    {
        var url = ResolveUrl(id, file);
        return Retrying(url, token =>
        {
            var current = url;
            for (int hop = 0; ; hop++)
            {
                using var response = Send(HttpMethod.Head, current, null, _settings.EtagTimeout, token);
                var location = response.Headers.Location;
                bool redirect = (int)response.StatusCode is >= 300 and < 400 && location is not null;
                if (redirect && !location!.IsAbsoluteUri && hop < 5)
                {
                    current = new Uri(current, location); // a renamed repository: same host, follow
                    continue;
                }
                if (!redirect) ThrowForStatus(response, id, file);
                string? commit = Header(response, "X-Repo-Commit");
                string? etag = Header(response, "X-Linked-Etag") ?? response.Headers.ETag?.Tag ?? Header(response, "ETag");
                long? size = long.TryParse(Header(response, "X-Linked-Size"), out long linked) ? linked : response.Content.Headers.ContentLength;
                if (commit is null || etag is null || size is null)
                    throw new Siglip2Exception($"{current}: the Hub's answer lacks {(commit is null ? "X-Repo-Commit" : etag is null ? "ETag" : "the size")}; a proxy may strip headers — check HF_ENDPOINT");
                etag = etag.Replace("W/", "", StringComparison.Ordinal).Trim('"');
                if (etag.Length == 0 || etag.Contains('/') || etag.Contains('\\') || etag.Contains(".."))
                    throw new Siglip2Exception($"{current}: the Hub gave an unusable ETag '{MessageText.Printable(etag, 80)}'");
                return new HubFileMetadata(file, commit, etag, size.Value, redirect ? new Uri(current, location!) : current);
            }
        }, cancel);
    }

    /// <summary>Downloads one file of a commit into the cache (if its blob is not there yet) and links it into the snapshot.</summary>
    public string DownloadFile(HubModelId id, string file, CancellationToken cancel = default)
    {
        if (id.IsCommit)
        {
            string existing = Path.Combine(Cache.SnapshotFolder(id.Repo, id.Revision), file);
            if (File.Exists(existing)) return existing; // a commit never changes: nothing to ask
        }
        var meta = FileMetadata(id, file, cancel);
        string blob = Cache.BlobPath(id.Repo, meta.Etag);
        if (!File.Exists(blob) || new FileInfo(blob).Length != meta.Size)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(blob)!);
            using (LockBlob(id.Repo, meta.Etag, cancel))
                if (!File.Exists(blob) || new FileInfo(blob).Length != meta.Size)
                    Fetch(id, meta, blob, cancel);
        }
        return Cache.LinkSnapshot(id.Repo, meta.Commit, file, meta.Etag);
    }

    private void Fetch(HubModelId id, HubFileMetadata meta, string blob, CancellationToken cancel)
    {
        string incomplete = blob + ".incomplete";
        try
        {
            Retrying(meta.DownloadUrl, token => { FetchAttempt(id, meta, incomplete, token); return 0; }, cancel);
            long length = new FileInfo(incomplete).Length;
            if (length != meta.Size)
            {
                File.Delete(incomplete);
                throw new Siglip2Exception($"{id}/{meta.File}: downloaded {length:N0} bytes, the Hub announced {meta.Size:N0}; the partial file was removed, run again");
            }
            if (meta.EtagIsSha256)
            {
                string sha;
                using (var s = new FileStream(incomplete, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20))
                    sha = Convert.ToHexString(SHA256.HashData(s)).ToLowerInvariant();
                if (sha != meta.Etag)
                {
                    File.Delete(incomplete);
                    throw new Siglip2Exception($"{id}/{meta.File}: checksum mismatch (sha256 {sha[..16]}…, expected {meta.Etag[..16]}…); the download was removed, run again (a proxy or mirror may be serving a wrong file)");
                }
            }
            File.Move(incomplete, blob, overwrite: true);
        }
        catch (IOException e) when (IsDiskFull(e))
        {
            throw new Siglip2Exception($"disk full while downloading {id}/{meta.File} ({meta.Size:N0} bytes) into {_settings.CacheDirectory}; free space or set HF_HUB_CACHE to a larger disk (the partial download resumes)", e);
        }
    }

    /// <summary>One GET of the file, appending to the partial download from where it stopped.</summary>
    private void FetchAttempt(HubModelId id, HubFileMetadata meta, string incomplete, CancellationToken cancel)
    {
        long have = File.Exists(incomplete) ? new FileInfo(incomplete).Length : 0;
        if (have > meta.Size) { File.Delete(incomplete); have = 0; }
        if (have == meta.Size && meta.Size > 0) return;
        var url = meta.DownloadUrl;
        HttpResponseMessage response;
        for (int hop = 0; ; hop++)
        {
            response = Send(HttpMethod.Get, url, have > 0 ? new RangeHeaderValue(have, null) : null, _settings.DownloadTimeout, cancel);
            if ((int)response.StatusCode is >= 300 and < 400 && response.Headers.Location is { } next && hop < 10)
            {
                url = new Uri(url, next);
                response.Dispose();
                continue;
            }
            break;
        }
        using (response)
        {
            if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable) { File.Delete(incomplete); throw new TransientHubException("the server refused to resume; starting over"); }
            ThrowForStatus(response, id, meta.File);
            bool resumed = response.StatusCode == HttpStatusCode.PartialContent;
            if (!resumed) have = 0; // the server sent the whole file
            using var output = new FileStream(incomplete, resumed ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
            using var input = response.Content.ReadAsStream(cancel);
            var buffer = new byte[1 << 16];
            long done = have, reported = -1;
            while (true)
            {
                int n;
                using (var deadline = Deadline(_settings.DownloadTimeout, cancel))
                {
                    try { n = input.ReadAsync(buffer, deadline.Token).AsTask().GetAwaiter().GetResult(); }
                    catch (OperationCanceledException) when (!cancel.IsCancellationRequested) { throw new TimeoutException($"no data for {_settings.DownloadTimeout.TotalSeconds:F0} s"); }
                }
                if (n == 0) break;
                if (done + n > meta.Size) throw new Siglip2Exception($"{id}/{meta.File}: the server sent more than the {meta.Size:N0} bytes announced");
                output.Write(buffer, 0, n);
                done += n;
                if (_progress is not null && (done - reported >= 1 << 20 || done == meta.Size))
                {
                    _progress.Report(new HubDownloadProgress(id.Repo, meta.File, done, meta.Size));
                    reported = done;
                }
            }
            output.Flush(flushToDisk: true);
            if (done < meta.Size) throw new IOException($"the connection closed after {done:N0} of {meta.Size:N0} bytes");
        }
    }

    private HttpResponseMessage Send(HttpMethod method, Uri url, RangeHeaderValue? range, TimeSpan timeout, CancellationToken cancel)
    {
        using var request = new HttpRequestMessage(method, url);
        // the token only ever goes to the endpoint itself: an LFS redirect leads to a storage host that must not see it
        if (_settings.Token is { } token && SameOrigin(url, _settings.Endpoint))
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (range is not null) request.Headers.Range = new RangeHeaderValue { Ranges = { new RangeItemHeaderValue(range.Ranges.First().From, null) } };
        using var deadline = Deadline(timeout, cancel);
        try
        {
            var response = _http.Send(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token);
            if ((int)response.StatusCode >= 500 || response.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests)
            {
                string status = $"{(int)response.StatusCode} {response.ReasonPhrase}";
                response.Dispose();
                throw new TransientHubException($"{url.GetLeftPart(UriPartial.Path)} answered {status}");
            }
            return response;
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            throw new TimeoutException($"{url.GetLeftPart(UriPartial.Authority)} did not answer within {timeout.TotalSeconds:F0} s");
        }
    }

    private static CancellationTokenSource Deadline(TimeSpan timeout, CancellationToken cancel)
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        cts.CancelAfter(timeout);
        return cts;
    }

    private static bool SameOrigin(Uri a, Uri b) =>
        string.Equals(a.Scheme, b.Scheme, StringComparison.OrdinalIgnoreCase) && string.Equals(a.Host, b.Host, StringComparison.OrdinalIgnoreCase) && a.Port == b.Port;

    private Uri ResolveUrl(HubModelId id, string file) =>
        new(_settings.Endpoint, $"{id.Repo}/resolve/{Uri.EscapeDataString(id.Revision)}/{string.Join('/', file.Split('/').Select(Uri.EscapeDataString))}");

    private static string? Header(HttpResponseMessage r, string name) =>
        r.Headers.TryGetValues(name, out var v) || r.Content.Headers.TryGetValues(name, out v) ? v.FirstOrDefault() : null;

    /// <summary>Turns a Hub error status into a one-line error, as huggingface_hub's X-Error-Code handling does.</summary>
    private void ThrowForStatus(HttpResponseMessage r, HubModelId id, string? file)
    {
        if (r.IsSuccessStatusCode) return;
        string code = Header(r, "X-Error-Code") ?? "";
        string page = new Uri(_settings.Endpoint, id.Repo).ToString();
        string tokenHint = _settings.Token is null ? "set HF_TOKEN (or log in with `hf auth login`)" : "check that HF_TOKEN has access";
        string what = file is null ? id.ToString() : $"{id.Repo}/{file}@{id.Revision}";
        throw code switch
        {
            "GatedRepo" => new Siglip2Exception($"{id.Repo} is gated: accept its licence on {page} and {tokenHint}"),
            "RepoNotFound" => new Siglip2Exception($"{id.Repo}: repository not found on {_settings.Endpoint.Host} (check the id; a private repository needs a token: {tokenHint})"),
            "RevisionNotFound" => new Siglip2Exception($"{id.Repo}: revision '{id.Revision}' not found (a branch, tag or commit of {page})"),
            "EntryNotFound" => new Siglip2Exception($"{what}: no such file in the repository"),
            _ => r.StatusCode switch
            {
                HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => new Siglip2Exception($"{what}: access denied ({(int)r.StatusCode}); a gated or private repository: accept its licence on {page} and {tokenHint}"),
                HttpStatusCode.NotFound => new Siglip2Exception($"{what}: not found (404) on {_settings.Endpoint.Host}"),
                _ => new Siglip2Exception($"{what}: the Hub answered {(int)r.StatusCode} {r.ReasonPhrase}"),
            },
        };
    }

    private static bool IsTransient(Exception e) => e switch
    {
        TransientHubException or TimeoutException or HttpRequestException => true,
        IOException io => !IsDiskFull(io),
        _ => false,
    };

    private static bool IsDiskFull(IOException e) => e.HResult is 28 or unchecked((int)0x80070070) || e.Message.Contains("No space left", StringComparison.OrdinalIgnoreCase);

    /// <summary>Runs <paramref name="action"/> under the retry pipeline; a failure that outlives the retries is one line.</summary>
    private T Retrying<T>(Uri url, Func<CancellationToken, T> action, CancellationToken cancel)
    {
        try
        {
            return _retry.Execute(action, cancel);
        }
        catch (Exception e) when (IsTransient(e) && !cancel.IsCancellationRequested)
        {
            string reason = e is TimeoutException ? $"timed out ({e.Message})" : e.Message.ReplaceLineEndings(" ");
            throw new HubUnreachableException(
                $"{url.GetLeftPart(UriPartial.Path)}: {reason}, after {_settings.MaxAttempts} attempts; check the connection and HF_ENDPOINT ({_settings.Endpoint}), " +
                "raise HF_HUB_ETAG_TIMEOUT / HF_HUB_DOWNLOAD_TIMEOUT for a slow link, or set HF_HUB_OFFLINE=1 to use the cache", e);
        }
    }

    /// <summary>Shard names listed by the index: plain file names in the same folder, each also in the repository.</summary>
    private static IEnumerable<string> ShardNames(string indexPath, HashSet<string> files, HubModelId id)
    {
        using var doc = StrictJson.ParseDocument(InputFile.ReadAllText(indexPath, WeightsIndexFile, InputLimits.JsonConfigBytes), indexPath);
        if (!doc.RootElement.TryGetProperty("weight_map", out var map) || map.ValueKind != JsonValueKind.Object)
            throw new Siglip2Exception($"{indexPath}: no \"weight_map\" object");
        var shards = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var p in map.EnumerateObject())
        {
            string? shard = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() : null;
            if (shard is null || shard.Length == 0 || shard.Contains('/') || shard.Contains('\\') || shard.Contains('\0') || shard is "." or ".." || !shard.EndsWith(".safetensors", StringComparison.Ordinal))
                throw new Siglip2Exception($"{indexPath}: weight_map['{MessageText.Printable(p.Name, 80)}'] names '{MessageText.Printable(shard ?? p.Value.ToString(), 80)}', not a .safetensors file beside the index");
            if (!files.Contains(shard))
                throw new Siglip2Exception($"{id}: the index lists shard {shard}, which the repository does not hold");
            shards.Add(shard);
        }
        return shards;
    }

    private static bool IsCompleteCheckpoint(string folder) =>
        File.Exists(Path.Combine(folder, "config.json")) && (File.Exists(Path.Combine(folder, WeightsFile)) || File.Exists(Path.Combine(folder, WeightsIndexFile)));

    /// <summary>One downloader per blob across processes (an advisory lock in <c>{cache}/.locks</c>, as huggingface_hub keeps them).</summary>
    private FileStream LockBlob(string repo, string etag, CancellationToken cancel)
    {
        string path = Path.Combine(Cache.Root, ".locks", Path.GetFileName(Cache.RepoFolder(repo)), etag + ".lock");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            try { return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None); }
            catch (IOException) when (waited.Elapsed < TimeSpan.FromMinutes(30))
            {
                // another process downloads this blob: wait for it (not a network retry)
                cancel.WaitHandle.WaitOne(TimeSpan.FromMilliseconds(500));
                cancel.ThrowIfCancellationRequested();
            }
        }
    }

    private static byte[] ReadLimited(HttpResponseMessage response, long limit, CancellationToken cancel)
    {
        using var s = response.Content.ReadAsStream(cancel);
        using var buffer = new MemoryStream();
        var chunk = new byte[1 << 16];
        int n;
        while ((n = s.ReadAsync(chunk, cancel).AsTask().GetAwaiter().GetResult()) > 0)
        {
            buffer.Write(chunk, 0, n);
            if (buffer.Length > limit) throw new Siglip2Exception($"the Hub's answer is over {limit:N0} bytes");
        }
        return buffer.ToArray();
    }

    public void Dispose() => _http.Dispose();
}

/// <summary>The Hub could not be reached (after the retries): a cached copy may stand in.</summary>
public sealed class HubUnreachableException(string message, Exception inner) : Siglip2Exception(message, inner);

/// <summary>A failure worth retrying (a 5xx, 408 or 429 answer, a refused resume).</summary>
public sealed class TransientHubException(string message) : Exception(message);
