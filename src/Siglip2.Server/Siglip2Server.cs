using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Siglip2.Server.Endpoints;
using Siglip2.Tasks;

namespace Siglip2.Server;

/// <summary>
/// `siglip2 serve`: an embedding service on ASP.NET Core minimal APIs — the OpenAI embeddings API, Immich's
/// machine-learning API, health, readiness and Prometheus metrics — over one shared encoder with dynamic batching.
/// Binds 127.0.0.1 by default; any other address requires an API key (Bearer).
/// </summary>
public static class Siglip2Server
{
    /// <summary>Serves until Ctrl+C / SIGTERM (in-flight requests are drained); <paramref name="started"/> gets the bound addresses.</summary>
    public static void Run(ServerOptions options, Siglip2Encoder encoder, Action<IReadOnlyCollection<string>> started)
    {
        var app = Build(options, encoder);
        app.Start();
        started(app.Urls.ToList());
        app.WaitForShutdown();
    }

    public static WebApplication Build(ServerOptions options, Siglip2Encoder encoder)
    {
        bool loopback = options.Host is "127.0.0.1" or "::1" or "localhost";
        if (options.Database is { } database) Siglip2.Search.ImageIndexStore.Open(database, create: false).Dispose(); // a missing index fails now
        if (!loopback && string.IsNullOrEmpty(options.ApiKey))
            throw new Siglip2Exception($"binding {options.Host} exposes the server beyond this machine: give --api-key KEY (clients send Authorization: Bearer KEY), or bind 127.0.0.1");
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Limits.MaxRequestBodySize = options.MaxBodyBytes);
        builder.WebHost.UseUrls($"http://{(options.Host.Contains(':') ? $"[{options.Host}]" : options.Host)}:{options.Port}");
        var metrics = new ServerMetrics();
        var batcher = new EmbeddingBatcher(encoder, options, metrics);
        builder.Services.AddSingleton(batcher);
        var app = builder.Build();
        // drain: Kestrel first finishes the requests it accepted (their inputs still reach the batcher), then the
        // batcher completes its queue; new connections are refused from the start of the stop
        app.Lifetime.ApplicationStopped.Register(() => batcher.DisposeAsync().AsTask().GetAwaiter().GetResult());

        string[] open = ["/health", "/ready", "/ping"];
        app.Use(async (context, next) =>
        {
            var clock = Stopwatch.StartNew();
            try
            {
                if (!string.IsNullOrEmpty(options.ApiKey) && !open.Contains(context.Request.Path.Value) &&
                    context.Request.Headers.Authorization.FirstOrDefault() != $"Bearer {options.ApiKey}")
                    await new ApiError(401, "authentication_error", "missing or wrong API key: send Authorization: Bearer KEY").ToResult().ExecuteAsync(context);
                else await next(context);
            }
            catch (BadHttpRequestException e)
            {
                // e.g. a body over the size limit (413): still a JSON error
                await new ApiError(e.StatusCode, "invalid_request_error", e.Message).ToResult().ExecuteAsync(context);
            }
            metrics.RecordRequest(context.Request.Path.Value ?? "", context.Response.StatusCode, clock.Elapsed.TotalSeconds);
        });

        async Task<IResult> Guard(Func<Task<IResult>> handler, HttpResponse response)
        {
            try { return await handler(); }
            catch (Exception e)
            {
                if (e is ApiError { Status: 429 }) response.Headers.RetryAfter = "1";
                return ApiError.From(e);
            }
        }

        app.MapPost("/v1/embeddings", (Delegate)((HttpContext c) => Guard(() => OpenAiEmbeddings.Handle(c, batcher, options, encoder.ModelId), c.Response)));
        app.MapPost("/predict", (Delegate)((HttpContext c) => Guard(() => ImmichPredict.Handle(c, batcher, options), c.Response)));
        app.MapPost("/embed", (Delegate)((HttpContext c) => Guard(() => EmbedAndClassify.Embed(c, batcher, options), c.Response)));
        app.MapPost("/classify", (Delegate)((HttpContext c) => Guard(() => EmbedAndClassify.Classify(c, encoder, options), c.Response)));
        if (options.Database is { } db)
        {
            var search = new SearchEndpoints(db, batcher, options);
            app.MapGet("/search", (Delegate)((HttpContext c) => Guard(() => search.ByText(c), c.Response)));
            app.MapPost("/search", (Delegate)((HttpContext c) => Guard(() => search.ByImage(c), c.Response)));
            app.MapGet("/thumbnail", (Delegate)((HttpContext c) => Guard(() => Task.FromResult(search.Thumbnail(c)), c.Response)));
        }
        app.MapGet("/", () => Results.Content(WebPage.Html(encoder.ModelId, options.Database is not null), "text/html; charset=utf-8"));
        app.MapGet("/ping", () => Results.Text("pong"));
        app.MapGet("/health", () => Results.Json(new { status = "ok" }));
        app.MapGet("/ready", () => Results.Json(new { status = "ready", model = encoder.ModelId, dimensions = encoder.Dimensions, search = options.Database is not null }));
        app.MapGet("/metrics", () => Results.Text(metrics.Render(batcher.QueueDepth), "text/plain; version=0.0.4"));
        return app;
    }
}
