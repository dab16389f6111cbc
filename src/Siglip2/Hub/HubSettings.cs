namespace Siglip2.Hub;

/// <summary>
/// Where the Hub is and where its files are cached, read from the environment as <c>huggingface_hub</c> reads it:
/// <c>HF_ENDPOINT</c> (default https://huggingface.co), <c>HF_TOKEN</c> or the token file (<c>HF_TOKEN_PATH</c>, default
/// <c>$HF_HOME/token</c>), <c>HF_HUB_CACHE</c> or <c>$HF_HOME/hub</c> (default <c>~/.cache/huggingface/hub</c>),
/// <c>HF_HUB_OFFLINE=1</c>, and <c>HF_HUB_DOWNLOAD_TIMEOUT</c> / <c>HF_HUB_ETAG_TIMEOUT</c> in seconds (default 10).
/// </summary>
public sealed record HubSettings
{
    public const string PublicEndpoint = "https://huggingface.co";

    public Uri Endpoint { get; init; } = new(PublicEndpoint);
    public string? Token { get; init; }
    public required string CacheDirectory { get; init; }
    public bool Offline { get; init; }
    /// <summary>Time allowed for a metadata request (the file list, a HEAD) and for each read of a download.</summary>
    public TimeSpan EtagTimeout { get; init; } = TimeSpan.FromSeconds(10);
    public TimeSpan DownloadTimeout { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>Attempts for a transient failure (connection reset, 5xx, 429, timeout), with exponential backoff.</summary>
    public int MaxAttempts { get; init; } = 5;
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    public static HubSettings FromEnvironment()
    {
        string home = Environment.GetEnvironmentVariable("HF_HOME") is { Length: > 0 } h
            ? h
            : Path.Combine(Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } x ? x : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"), "huggingface");
        string cache = Environment.GetEnvironmentVariable("HF_HUB_CACHE") is { Length: > 0 } c ? c : Path.Combine(home, "hub");
        string endpoint = Environment.GetEnvironmentVariable("HF_ENDPOINT") is { Length: > 0 } e ? e.TrimEnd('/') : PublicEndpoint;
        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var endpointUri) || (endpointUri.Scheme != "https" && endpointUri.Scheme != "http"))
            throw new Siglip2Exception($"HF_ENDPOINT '{endpoint}' is not an http(s) URL; unset it for the public Hub or give e.g. https://hf-mirror.com");
        return new HubSettings
        {
            Endpoint = endpointUri,
            Token = ReadToken(home),
            CacheDirectory = cache,
            Offline = IsTrue(Environment.GetEnvironmentVariable("HF_HUB_OFFLINE")),
            EtagTimeout = Seconds("HF_HUB_ETAG_TIMEOUT", 10),
            DownloadTimeout = Seconds("HF_HUB_DOWNLOAD_TIMEOUT", 10),
        };
    }

    private static string? ReadToken(string home)
    {
        if (Environment.GetEnvironmentVariable("HF_TOKEN") is { Length: > 0 } t) return t.Trim();
        string path = Environment.GetEnvironmentVariable("HF_TOKEN_PATH") is { Length: > 0 } p ? p : Path.Combine(home, "token");
        try
        {
            if (!File.Exists(path) || new FileInfo(path).Length > 4096) return null;
            string token = File.ReadAllText(path).Trim();
            return token.Length > 0 ? token : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    private static bool IsTrue(string? v) => v is not null && v.Trim().ToLowerInvariant() is "1" or "on" or "yes" or "true";

    private static TimeSpan Seconds(string name, double fallback)
    {
        string? v = Environment.GetEnvironmentVariable(name);
        if (string.IsNullOrWhiteSpace(v)) return TimeSpan.FromSeconds(fallback);
        if (!double.TryParse(v, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double s) || !(s > 0) || s > 86400)
            throw new Siglip2Exception($"{name} '{v}' must be a number of seconds in (0, 86400]");
        return TimeSpan.FromSeconds(s);
    }
}
