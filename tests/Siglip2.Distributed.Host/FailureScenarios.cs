using System.Diagnostics;

namespace Siglip2.Distributed.Host;

/// <summary>A rank that fails while the others wait in a collective: the job must end, not hang.</summary>
internal static class FailureScenarios
{
    /// <summary>The last rank throws (unhandled) while the others enter an allreduce.</summary>
    public static void Throw(IProcessGroup group)
    {
        if (group.Rank == group.Size - 1)
            throw new InvalidOperationException("scenario fail-throw: this rank fails on purpose");
        group.AllReduceSum<float>(new float[16]);
    }

    /// <summary>The last rank prints a one-line error and exits 1 — what the command line does for a user mistake — while
    /// the others enter an allreduce.</summary>
    public static void Exit(IProcessGroup group)
    {
        if (group.Rank == group.Size - 1)
        {
            Console.Error.WriteLine("siglip2: scenario fail-exit: a user mistake on this rank");
            Environment.Exit(1);
        }
        group.AllReduceSum<float>(new float[16]);
    }

    /// <summary>
    /// An MPI call that fails (not a crash): every rank sends 4 doubles to its right neighbour but rank 1 posts a
    /// receive of 2 — MPI_ERR_TRUNCATE there. The error must come back as a Siglip2Exception naming the call; the host
    /// writes its message and the job ends normally.
    /// </summary>
    public static void Truncate(IProcessGroup group, HostOutput output)
    {
        int left = (group.Rank - 1 + group.Size) % group.Size, right = (group.Rank + 1) % group.Size;
        try
        {
            group.SendReceive<double>([1, 2, 3, 4], right, new double[group.Rank == 1 ? 2 : 4], left);
            output.Add("error", "");
        }
        catch (Siglip2Exception e)
        {
            output.Add("error", e.Message);
        }
        output.Write();
    }

    /// <summary>The last rank is killed (SIGKILL: no handler runs) while the others enter an allreduce.</summary>
    public static void Kill(IProcessGroup group)
    {
        if (group.Rank == group.Size - 1)
        {
            Console.Error.WriteLine($"scenario fail-kill: rank {group.Rank} kills itself");
            Process.GetCurrentProcess().Kill();
        }
        group.AllReduceSum<float>(new float[16]);
    }
}
