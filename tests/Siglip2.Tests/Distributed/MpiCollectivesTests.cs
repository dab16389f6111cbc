namespace Siglip2.Tests.Distributed;

/// <summary>The OpenMPI binding under a real <c>mpirun</c>: every collective against its closed form in rank r and size W.</summary>
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
