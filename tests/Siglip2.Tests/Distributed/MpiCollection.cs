namespace Siglip2.Tests.Distributed;

/// <summary>
/// The tests that start `mpirun` jobs run one at a time and alone: their ranks are processes of their own, and beside
/// other test classes on 2 cores an oversubscribed job's timing (the launcher's abort report, a rank's first
/// checkpoint) became a race.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MpiCollection
{
    public const string Name = "mpirun jobs";
}
