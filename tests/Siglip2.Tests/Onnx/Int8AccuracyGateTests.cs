using Siglip2.Tests.Api;
using Siglip2.Tests.Reliability;

namespace Siglip2.Tests.Onnx;

/// <summary>`eval --int8-gate` on the tiny fixture: the section is written with its cosines, and the exit code says whether the gate passed.</summary>
public class Int8AccuracyGateTests
{
    [Fact]
    public void TheGateReportsCosinesAndZeroShotAndExitsByItsVerdict()
    {
        using var checkpoint = ApiReference.FolderWithTokenizer(ApiReference.Fixed);
        using var tmp = new TempDirectory();
        string results = tmp.File("onnx.md");
        File.WriteAllText(results, "# ONNX\n\nkept\n");
        var r = CliRun.Main(TimeSpan.FromSeconds(120), "eval", "--model", checkpoint.Path, "--int8-gate", "--limit", "40", "--results", results);
        string text = File.ReadAllText(results);
        Assert.StartsWith("# ONNX\n\nkept", text);
        Assert.Contains("## int8 accuracy gate on a trained checkpoint", text);
        var cosines = System.Text.RegularExpressions.Regex.Matches(text, @"min (0\.\d+)").Select(m => double.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(3, cosines.Count);
        Assert.All(cosines, c => Assert.InRange(c, 0.99, 1.0)); // int8 of the fixture: ≥ 0.9996 (docs/onnx.md)
        Assert.Equal(text.Contains("Gate: **passed**") ? 0 : 1, r.ExitCode);
    }
}
