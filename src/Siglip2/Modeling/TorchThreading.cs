using System.Runtime.InteropServices;

namespace Siglip2.Modeling;

/// <summary>
/// OpenMP settings for libtorch's intra-op threads. By default GNU OpenMP threads spin while they wait at the end of
/// each parallel operation; when the machine is shared (more runnable processes than cores) a spinning thread holds a
/// core its partner needs, and every operator costs a scheduler time slice. `siglip2 bench` measured a B/16 text
/// forward at batch 1 (4 layers, 2 threads, load average ≈ 6) at 604 ms with the default and 28 ms with
/// OMP_WAIT_POLICY=PASSIVE (docs/performance.md).
/// </summary>
public static class TorchThreading
{
    public const string WaitPolicyVariable = "OMP_WAIT_POLICY";

    /// <summary>
    /// Sets OMP_WAIT_POLICY=PASSIVE in the process environment unless the user set a policy. Effective only when called
    /// before the first TorchSharp call of the process (OpenMP reads it when libtorch loads); returns the policy in effect.
    /// </summary>
    public static string PreferPassiveWaiting()
    {
        var current = Environment.GetEnvironmentVariable(WaitPolicyVariable);
        if (!string.IsNullOrEmpty(current)) return current;
        // .NET's Environment.SetEnvironmentVariable does not reach native getenv on Unix: set it in libc too.
        if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())
        {
            try { _ = setenv(WaitPolicyVariable, "PASSIVE", 0); }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { }
        }
        Environment.SetEnvironmentVariable(WaitPolicyVariable, "PASSIVE");
        return "PASSIVE";
    }

    [DllImport("libc", EntryPoint = "setenv", CharSet = CharSet.Ansi)]
    private static extern int setenv(string name, string value, int overwrite);
}
