namespace Siglip2.Tests.Distributed;

/// <summary>A rank that fails while its peers wait in a collective ends the whole job, with a message, instead of hanging.</summary>
public class MpiFailureTests
{
    [MpiFact]
    public void AnUnhandledExceptionOnOneRankAbortsTheJobWithItsMessage()
    {
        using var temp = new TempDirectory();
        var run = MpiRun.Run(2, "fail-throw", temp.Path);
        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("rank 1 of 2: unhandled InvalidOperationException: scenario fail-throw: this rank fails on purpose; aborting the MPI job", run.Output);
        Assert.Contains("MPI_ABORT", run.Output);
        Assert.True(run.Elapsed < MpiRun.Timeout);
    }

    [MpiFact]
    public void AKilledRankEndsTheJob()
    {
        using var temp = new TempDirectory();
        var run = MpiRun.Run(2, "fail-kill", temp.Path);
        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("rank 1 kills itself", run.Output);
        Assert.Contains("signal 9", run.Output);
        Assert.False(File.Exists(temp.File("rank0.json")));
    }
}
