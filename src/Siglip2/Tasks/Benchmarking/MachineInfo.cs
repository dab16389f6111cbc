using System.Globalization;
using TorchSharp;

namespace Siglip2.Tasks.Benchmarking;

/// <summary>What the numbers were measured on: CPU model (/proc/cpuinfo), logical cores, torch threads, versions.</summary>
public sealed record MachineInfo(string CpuModel, int LogicalCores, int TorchThreads, string CpuFlags, string TorchVersion, string Runtime, string OperatingSystem)
{
    public static MachineInfo Current()
    {
        string model = "unknown", flags = "";
        try
        {
            foreach (var line in File.ReadLines("/proc/cpuinfo"))
            {
                if (model == "unknown" && line.StartsWith("model name", StringComparison.Ordinal)) model = line[(line.IndexOf(':') + 1)..].Trim();
                if (flags == "" && line.StartsWith("flags", StringComparison.Ordinal))
                {
                    var all = line[(line.IndexOf(':') + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    flags = string.Join(" ", all.Where(f => f is "avx2" or "fma" or "avx512f" or "avx512_bf16" or "amx_bf16" or "avx512_vnni"));
                }
            }
        }
        catch (IOException) { }
        return new MachineInfo(model, Environment.ProcessorCount, torch.get_num_threads(), flags, torch.__version__,
            System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription,
            System.Runtime.InteropServices.RuntimeInformation.OSDescription);
    }

    /// <summary>The process's peak resident set size in bytes (VmHWM in /proc/self/status), or null where unavailable.</summary>
    public static long? PeakResidentBytes() => ReadStatusKb("VmHWM:") is { } kb ? kb * 1024 : null;

    /// <summary>The 1-minute load average (/proc/loadavg): how busy the machine was with other work.</summary>
    public static double? LoadAverage()
    {
        try
        {
            var first = File.ReadAllText("/proc/loadavg").Split(' ')[0];
            return double.Parse(first, CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or FormatException or UnauthorizedAccessException) { return null; }
    }

    /// <summary>The process's current resident set size in bytes (VmRSS).</summary>
    public static long? ResidentBytes() => ReadStatusKb("VmRSS:") is { } kb ? kb * 1024 : null;

    private static long? ReadStatusKb(string key)
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
                if (line.StartsWith(key, StringComparison.Ordinal))
                    return long.Parse(line[key.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        }
        catch (IOException) { }
        return null;
    }
}
