namespace Siglip2.Tests.Distributed;

/// <summary>A rank that fails while its peers wait in a collective ends the whole job, with a message, instead of hanging.</summary>
[Collection(MpiCollection.Name)]
public class MpiFailureTests
{
    [MpiFact]
    public void AnUnhandledExceptionOnOneRankAbortsTheJobWithItsMessage()
    {
        using var temp = new TempDirectory();
        var run = MpiRun.Run(2, "fail-throw", temp.Path);
        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("rank 1 of 2: unhandled InvalidOperationException: scenario fail-throw: this rank fails on purpose; aborting the MPI job", run.Output);
        // mpirun's own report is not asserted: OpenMPI sometimes fails to print it ("ORTE_ERROR_LOG: Out of resource in
        // show_help.c") while still ending the job; the exit code, the rank's message and the time are the behaviour
        Assert.True(run.Elapsed < MpiRun.Timeout);
    }

    [MpiFact]
    public void ARankThatExitsWithAnErrorEndsTheJob()
    {
        // the command line's path for a user mistake: one line on stderr, exit 1, no MPI_Finalize — mpirun ends the rest
        using var temp = new TempDirectory();
        var run = MpiRun.Run(2, "fail-exit", temp.Path);
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("siglip2: scenario fail-exit: a user mistake on this rank", run.Output);
        // (mpirun's "exited with non-zero status" report is not asserted, for the reason above)
    }

    [MpiFact]
    public void AFailedMpiCallIsAnExceptionNamingTheCallAndMpisReason()
    {
        using var temp = new TempDirectory();
        var run = MpiRun.Run(2, "error-truncate", temp.Path);
        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Equal("", run.Rank(0).GetProperty("error").GetString());
        string message = run.Rank(1).GetProperty("error").GetString()!;
        Assert.StartsWith("MPI_Sendrecv failed: MPI_ERR_TRUNCATE", message);
        Assert.Contains("(MPI error 15)", message);
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
