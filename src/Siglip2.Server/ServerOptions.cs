namespace Siglip2.Server;

/// <summary>How `siglip2 serve` listens, batches and limits.</summary>
public sealed record ServerOptions
{
    public string Host { get; init; } = "127.0.0.1";
    public int Port { get; init; } = 8080;
    /// <summary>Required as <c>Authorization: Bearer</c> when binding beyond loopback.</summary>
    public string? ApiKey { get; init; }
    /// <summary>Inputs coalesced into one forward pass at most, and how long the first waits for company.</summary>
    public int MaxBatch { get; init; } = 32;
    public int MaxWaitMilliseconds { get; init; } = 5;
    /// <summary>Inputs waiting at most; beyond, requests get 429 with Retry-After.</summary>
    public int QueueCapacity { get; init; } = 1024;
    public long MaxBodyBytes { get; init; } = 32L << 20;
    public int MaxInputsPerRequest { get; init; } = 256;
    /// <summary>An index built by `siglip2 index`, for /search and /thumbnail (null: no search).</summary>
    public string? Database { get; init; }
}
