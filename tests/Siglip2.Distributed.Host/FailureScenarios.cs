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
