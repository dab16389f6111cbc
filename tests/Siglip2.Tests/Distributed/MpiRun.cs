using System.Diagnostics;
using System.Text.Json;

namespace Siglip2.Tests.Distributed;

/// <summary>
/// Starts tests/Siglip2.Distributed.Host — under <c>mpirun -np N</c> or as one plain process — with a time limit, and
/// reads back each rank's <c>rank&lt;r&gt;.json</c>. In a container: <c>--allow-run-as-root</c> only when running as root,
/// <c>--oversubscribe</c> (more ranks than cores), no core binding, shared-memory transport without the single-copy
/// mechanism (CMA needs ptrace rights containers often lack).
/// </summary>
public static class MpiRun
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    /// <summary>The mpirun on PATH, or null.</summary>
    public static string? Mpirun { get; } = (Environment.GetEnvironmentVariable("PATH") ?? "")
        .Split(':', StringSplitOptions.RemoveEmptyEntries)
        .Select(dir => System.IO.Path.Combine(dir, "mpirun"))
        .FirstOrDefault(File.Exists);

    public const string SkipReason = "mpirun not found: install openmpi-bin and libopenmpi-dev (scripts/ensure-deps.sh --tests does)";

    public sealed record Result(int ExitCode, string Output, TimeSpan Elapsed, string Folder)
    {
        public JsonElement Rank(int rank)
        {
            string path = System.IO.Path.Combine(Folder, $"rank{rank}.json");
            Assert.True(File.Exists(path), $"rank {rank} wrote no result (exit {ExitCode}):\n{Output}");
            return JsonDocument.Parse(File.ReadAllText(path)).RootElement;
        }
    }

    /// <summary>Runs a scenario on <paramref name="ranks"/> ranks under mpirun; ranks = 0: one process without mpirun.</summary>
    public static Result Run(int ranks, string scenario, string folder, params string[] options) =>
        Launch(ranks, HostAssembly(), [scenario, folder, .. options], folder, scenario);

    /// <summary>Runs the `siglip2` command line (its build output) on <paramref name="ranks"/> ranks; 0: one plain process.</summary>
    public static Result RunCli(int ranks, string folder, params string[] args) =>
        Launch(ranks, CliAssembly(), args, folder, "siglip2 " + string.Join(" ", args.Take(1)));

    private static Result Launch(int ranks, string assembly, IReadOnlyList<string> args, string folder, string what)
    {
        string dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } d ? d : "dotnet";
        var start = new ProcessStartInfo { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (ranks == 0)
        {
            start.FileName = dotnet;
        }
        else
        {
            start.FileName = Mpirun ?? throw new InvalidOperationException(SkipReason);
            if (Environment.UserName == "root") start.ArgumentList.Add("--allow-run-as-root");
            foreach (var a in new[] { "--oversubscribe", "--bind-to", "none", "-np", ranks.ToString() }) start.ArgumentList.Add(a);
            start.ArgumentList.Add(dotnet);
            start.Environment["OMPI_MCA_btl"] = "self,vader";
            start.Environment["OMPI_MCA_btl_vader_single_copy_mechanism"] = "none";
            start.Environment["OMPI_MCA_pml"] = "ob1";
        }
        // a plain run must not look like an MPI rank, whatever the test process inherited
        foreach (var name in Siglip2.Distributed.ProcessGroup.LauncherVariables.Concat(["OMPI_COMM_WORLD_RANK", "PMIX_NAMESPACE"]))
            start.Environment.Remove(name);
        start.ArgumentList.Add(assembly);
        foreach (var o in args) start.ArgumentList.Add(o);

        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(Timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            Assert.Fail($"{what} on {ranks} ranks did not finish within {Timeout.TotalSeconds} s (killed):\n{stdout.Result}{stderr.Result}");
        }
        process.WaitForExit();
        return new Result(process.ExitCode, stdout.Result + stderr.Result, clock.Elapsed, folder);
    }

    /// <summary>The command line's own build output (the solution build makes it; its runtimeconfig is there).</summary>
    private static string CliAssembly()
    {
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(System.IO.Path.DirectorySeparatorChar));
        string dll = System.IO.Path.Combine(FixturePaths.RepositoryRoot, "src", "Siglip2.Cli", "bin", output.Parent!.Name, output.Name, "Siglip2.Cli.dll");
        Assert.True(File.Exists(dll), $"{dll} not found: build the solution (dotnet build Siglip2.slnx -c {output.Parent!.Name})");
        return dll;
    }

    private static readonly object BuildGate = new();

    /// <summary>The host's build output beside this test assembly's configuration (built on demand when missing).</summary>
    private static string HostAssembly()
    {
        // this assembly runs from tests/Siglip2.Tests/bin/<Configuration>/<tfm>/
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(System.IO.Path.DirectorySeparatorChar));
        string tfm = output.Name, configuration = output.Parent!.Name;
        string project = System.IO.Path.Combine(FixturePaths.RepositoryRoot, "tests", "Siglip2.Distributed.Host");
        string dll = System.IO.Path.Combine(project, "bin", configuration, tfm, "Siglip2.Distributed.Host.dll");
        lock (BuildGate)
        {
            if (File.Exists(dll)) return dll;
            var build = Process.Start(new ProcessStartInfo("dotnet", ["build", project, "-c", configuration, "--nologo", "-v", "q"]) { RedirectStandardOutput = true })!;
            string log = build.StandardOutput.ReadToEnd();
            build.WaitForExit();
            Assert.True(build.ExitCode == 0 && File.Exists(dll), $"could not build {project}:\n{log}");
            return dll;
        }
    }
}

/// <summary>A fact that needs mpirun: reported as skipped, with the reason, when OpenMPI is not installed.</summary>
public sealed class MpiFactAttribute : FactAttribute
{
    public MpiFactAttribute()
    {
        if (MpiRun.Mpirun is null) Skip = MpiRun.SkipReason;
    }
}

/// <summary>A theory that needs mpirun: reported as skipped, with the reason, when OpenMPI is not installed.</summary>
public sealed class MpiTheoryAttribute : TheoryAttribute
{
    public MpiTheoryAttribute()
    {
        if (MpiRun.Mpirun is null) Skip = MpiRun.SkipReason;
    }
}
