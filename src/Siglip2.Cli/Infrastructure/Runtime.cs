using TorchSharp;

namespace Siglip2.Cli.Infrastructure;

/// <summary>Process-wide TorchSharp settings: one intra-op thread per core.</summary>
public static class Runtime
{
    private static bool _initialized;

    public static void Initialize()
    {
        if (_initialized) return;
        _initialized = true;
        int threads = Environment.ProcessorCount;
        if (int.TryParse(Environment.GetEnvironmentVariable("SIGLIP2_THREADS"), out int t) && t > 0) threads = t;
        torch.set_num_threads(threads);
        // Tables stay readable when the output goes to a file or a pipe (no terminal width to wrap to).
        if (Console.IsOutputRedirected) Spectre.Console.AnsiConsole.Profile.Width = 160;
    }
}
