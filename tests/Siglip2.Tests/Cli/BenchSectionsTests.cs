using Siglip2.Cli.Commands;

namespace Siglip2.Tests.Cli;

/// <summary>A full `bench` run rewrites docs/performance.md but keeps the sections the other benchmarks wrote.</summary>
public class BenchSectionsTests
{
    [Fact]
    public void MarkedSectionsSurviveANewReport()
    {
        using var tmp = new TempDirectory();
        string path = tmp.File("performance.md");
        File.WriteAllText(path, "# old report\n\nold\n\n<!-- serve-bench -->\n## Serving\nx\n<!-- /serve-bench -->\n\ntext\n\n<!-- data-parallel-bench -->\n## DP\ny\n<!-- /data-parallel-bench -->\n");
        string result = BenchCommand.WithSections("# new report\n\nnew\n", path);
        Assert.StartsWith("# new report\n\nnew", result);
        Assert.DoesNotContain("old", result);
        Assert.Contains("<!-- serve-bench -->\n## Serving\nx\n<!-- /serve-bench -->", result);
        Assert.Contains("<!-- data-parallel-bench -->\n## DP\ny\n<!-- /data-parallel-bench -->", result);
        Assert.Equal("# r\n", BenchCommand.WithSections("# r\n", tmp.File("missing.md")));
    }
}
