namespace Siglip2.Tests.Distributed;

/// <summary>The OpenMPI binding under a real <c>mpirun</c>: every collective against its closed form in rank r and size W.</summary>
[Collection(MpiCollection.Name)]
public class MpiCollectivesTests
{
    [MpiFact]
    public void CollectivesOnTwoAndThreeRanksGiveTheirClosedForms()
    {
        foreach (int w in new[] { 2, 3 })
        {
            using var temp = new TempDirectory();
            var run = MpiRun.Run(w, "collectives", temp.Path);
            Assert.True(run.ExitCode == 0, $"mpirun -np {w} failed ({run.ExitCode}):\n{run.Output}");
            int rankSum = w * (w + 1) / 2;   // Σ (r + 1)
            for (int r = 0; r < w; r++)
            {
                var result = run.Rank(r);
                Assert.Equal(w, result.GetProperty("size").GetInt32());
                Assert.True(result.GetProperty("libmpiLoaded").GetBoolean());
                var floats = result.GetProperty("allreduceFloat").EnumerateArray().Select(e => e.GetSingle()).ToArray();
                Assert.Equal(Enumerable.Range(0, 1000).Select(k => (float)(rankSum * (k + 1))), floats);
                var doubles = result.GetProperty("allreduceDouble").EnumerateArray().Select(e => e.GetDouble()).ToArray();
                Assert.Equal(Enumerable.Range(0, 5).Select(k => rankSum * (k + 1) + 0.25 * w), doubles);
                Assert.Equal(Enumerable.Range(0, w).Select(q => 10L * q + 7), result.GetProperty("allgather").EnumerateArray().Select(e => e.GetInt64()));

                int left = (r - 1 + w) % w, right = (r + 1) % w;
                Assert.Equal([left, left, left], result.GetProperty("sendrecvFromLeft").EnumerateArray().Select(e => e.GetDouble()));
                // the right neighbour sent right + 1 values of 100 + right to its left; the left one left + 2 values of 200 + left
                Assert.Equal(Enumerable.Repeat(100f + right, right + 1), result.GetProperty("exchangeFromRight").EnumerateArray().Select(e => e.GetSingle()));
                Assert.Equal(Enumerable.Repeat(200f + left, left + 2), result.GetProperty("exchangeFromLeft").EnumerateArray().Select(e => e.GetSingle()));
                // bytes handed to MPI: 1000 floats + 5 doubles + one long + 3 doubles + the two exchange messages
                Assert.Equal(4000 + 40 + 8 + 24 + 4 * (r + 1 + r + 2), result.GetProperty("payloadBytes").GetInt64());
            }
        }
    }

    [MpiFact]
    public void GradientAveragingAgreesOnWhichParametersHaveGradients()
    {
        const int w = 3;
        using var temp = new TempDirectory();
        var run = MpiRun.Run(w, "gradients", temp.Path);
        Assert.True(run.ExitCode == 0, $"mpirun -np {w} failed ({run.ExitCode}):\n{run.Output}");
        double mean = (w + 1) / 2.0;   // mean of r + 1 over r = 0..W−1
        for (int r = 0; r < w; r++)
        {
            var result = run.Rank(r);
            Assert.Equal(new[] { mean, 2 * mean, 3 * mean }, result.GetProperty("a").EnumerateArray().Select(e => e.GetDouble()));
            // only the last rank had a gradient for b: the others got zeros, so the mean is its gradient / W
            Assert.Equal(new[] { 4.0 / w, 8.0 / w }, result.GetProperty("b").EnumerateArray().Select(e => e.GetDouble()), new ToleranceComparer(1e-7));
            Assert.Equal(System.Text.Json.JsonValueKind.Null, result.GetProperty("c").ValueKind);
            Assert.Equal(Enumerable.Repeat(7.0, 5), result.GetProperty("d").EnumerateArray().Select(e => e.GetDouble()));
            // the flags (4 bytes for each of a, b, c) and 5 floats in 8-byte buckets: 12 + 20 bytes, 1 + 3 allreduces
            Assert.Equal(12 + 20, result.GetProperty("payloadBytes").GetInt64());
            Assert.Equal(1 + 3, result.GetProperty("allreduceCalls").GetInt32());
        }
    }

    private sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;
        public int GetHashCode(double obj) => 0;
    }

    [Fact]
    public void WithoutMpirunTheHostRunsAsOneProcessWithoutLoadingMpi()
    {
        using var temp = new TempDirectory();
        var run = MpiRun.Run(0, "collectives", temp.Path);
        Assert.True(run.ExitCode == 0, run.Output);
        var result = run.Rank(0);
        Assert.Equal(1, result.GetProperty("size").GetInt32());
        Assert.False(result.GetProperty("libmpiLoaded").GetBoolean());
        Assert.Equal(Enumerable.Range(1, 1000).Select(k => (float)k), result.GetProperty("allreduceFloat").EnumerateArray().Select(e => e.GetSingle()));
    }
}
