using System.Diagnostics;
using Siglip2.Cli;

namespace Siglip2.Tests.Reliability;

/// <summary>The outcome of one in-process run of the command line.</summary>
public sealed record CliResult(int ExitCode, string StdOut, string StdErr)
{
    /// <summary>The error line (stderr without trailing newline); asserts it is exactly one line.</summary>
    public string OneLineError()
    {
        string e = StdErr.TrimEnd('\n', '\r');
        Assert.False(string.IsNullOrWhiteSpace(e), "expected an error message on stderr");
        Assert.DoesNotContain('\n', e);
        Assert.DoesNotContain("internal error", e);
        Assert.DoesNotContain("   at ", e);
        return e;
    }
}

/// <summary>
/// Runs `siglip2 ARGS` in-process with its console captured and a time limit, so a regression that hangs (a FIFO
/// opened for reading blocks forever) fails the test instead of stalling the suite. The suite runs tests one at a
/// time (xunit.runner.json), so redirecting the console is safe.
/// </summary>
public static class CliRun
{
    private static readonly object Gate = new();

#pragma warning disable CS0028 // named after the CLI's Main on purpose; the test project has its own entry point
    public static CliResult Main(params string[] args) => Main(TimeSpan.FromSeconds(60), args);

    public static CliResult Main(TimeSpan limit, params string[] args)
#pragma warning restore CS0028
    {
        lock (Gate)
        {
            var stdout = new StringWriter();
            var stderr = new StringWriter();
            var oldOut = Console.Out;
            var oldErr = Console.Error;
            Console.SetOut(stdout);
            Console.SetError(stderr);
            try
            {
                var watch = Stopwatch.StartNew();
                var run = Task.Run(() => Program.Main(args));
                if (!run.Wait(limit))
                    Assert.Fail($"`siglip2 {string.Join(' ', args)}` did not finish within {limit.TotalSeconds} s (a hang)");
                return new CliResult(run.Result, stdout.ToString(), stderr.ToString());
            }
            finally
            {
                Console.SetOut(oldOut);
                Console.SetError(oldErr);
            }
        }
    }

    /// <summary>Creates a named pipe (FIFO) with mkfifo(1).</summary>
    public static void MakeFifo(string path)
    {
        using var p = Process.Start(new ProcessStartInfo("mkfifo", [path]) { UseShellExecute = false })!;
        p.WaitForExit();
        Assert.Equal(0, p.ExitCode);
    }
}
