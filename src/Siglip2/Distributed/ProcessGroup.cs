namespace Siglip2.Distributed;

/// <summary>Chooses the process group for this process: MPI when an MPI launcher started it, one process otherwise.</summary>
public static class ProcessGroup
{
    /// <summary>
    /// Environment variables an MPI launcher sets in every rank: OpenMPI's <c>mpirun</c> sets <c>OMPI_COMM_WORLD_SIZE</c>;
    /// Slurm's <c>srun --mpi=pmix</c> (and PRRTE's <c>prterun</c>) set <c>PMIX_RANK</c>. Plain <c>SLURM_*</c> variables are not
    /// enough: they are also set in a batch script's own shell, which is not an MPI rank.
    /// </summary>
    public static readonly string[] LauncherVariables = ["OMPI_COMM_WORLD_SIZE", "PMIX_RANK"];

    /// <summary>
    /// <see cref="MpiProcessGroup"/> (initialising MPI, once per process) under an MPI launcher, else a
    /// <see cref="SingleProcessGroup"/> — which never loads libmpi, so the same command runs without OpenMPI installed.
    /// </summary>
    public static IProcessGroup Create() =>
        DetectLauncher() is { } launcher ? MpiProcessGroup.Initialize(launcher) : new SingleProcessGroup();

    /// <summary>The first launcher variable that is set, as <c>NAME=value</c>; null when none is.</summary>
    public static string? DetectLauncher()
    {
        foreach (string name in LauncherVariables)
            if (Environment.GetEnvironmentVariable(name) is { Length: > 0 } value)
                return $"{name}={value}";
        return null;
    }
}
