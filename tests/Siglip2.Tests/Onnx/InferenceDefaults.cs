using System.Runtime.CompilerServices;

namespace Siglip2.Tests.Onnx;

/// <summary>
/// The test process pins the inference commands' --dtype default to fp32 (<c>SIGLIP2_DTYPE</c>): tests that compare
/// `embed`, `classify`, `index` or `serve` with the reference at fp32 tolerances keep doing so, and only the tests of
/// `--dtype auto` (which pass it explicitly) calibrate. Calibrations go to a per-process temporary folder
/// (<c>SIGLIP2_AUTO_CACHE</c>, with the ONNX graphs under it unless <c>SIGLIP2_ONNX_CACHE</c> is set), never into
/// the user's cache. Either variable set outside is kept.
/// </summary>
internal static class InferenceDefaults
{
    public static string AutoCache { get; } = Environment.GetEnvironmentVariable("SIGLIP2_AUTO_CACHE") is { Length: > 0 } set
        ? set : Path.Combine(Path.GetTempPath(), $"siglip2-tests-auto-{Environment.ProcessId}");

    [ModuleInitializer]
    internal static void Pin()
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("SIGLIP2_DTYPE"))) Environment.SetEnvironmentVariable("SIGLIP2_DTYPE", "fp32");
        Environment.SetEnvironmentVariable("SIGLIP2_AUTO_CACHE", AutoCache);
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("SIGLIP2_ONNX_CACHE")))
            Environment.SetEnvironmentVariable("SIGLIP2_ONNX_CACHE", Path.Combine(AutoCache, "onnx"));
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { if (AutoCache.Contains("siglip2-tests-auto-", StringComparison.Ordinal) && Directory.Exists(AutoCache)) Directory.Delete(AutoCache, recursive: true); }
            catch (IOException) { }
        };
    }
}
