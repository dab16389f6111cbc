namespace Siglip2.Distributed.Host;

/// <summary>Each collective on values whose results have a closed form in the rank r and size W.</summary>
internal static class CollectivesScenario
{
    public static void Run(IProcessGroup group, HostOutput output)
    {
        int r = group.Rank, w = group.Size;
        int left = (r - 1 + w) % w, right = (r + 1) % w;

        // sums: element k of rank r is (r + 1)·(k + 1) [+ 0.25 so the doubles are not integers]
        var floats = Enumerable.Range(0, 1000).Select(k => (float)((r + 1) * (k + 1))).ToArray();
        group.AllReduceSum<float>(floats);
        var doubles = Enumerable.Range(0, 5).Select(k => (r + 1) * (k + 1) + 0.25).ToArray();
        group.AllReduceSum<double>(doubles);
        output.Add("allreduceFloat", floats);
        output.Add("allreduceDouble", doubles);
        output.Add("allgather", group.AllGather(10L * r + 7));

        // a ring shift: send [r, r, r] right, receive the left neighbour's
        var received = new double[3];
        group.SendReceive<double>([r, r, r], right, received, left);
        output.Add("sendrecvFromLeft", received);

        // the bidirectional exchange with messages of different lengths per direction: to the left r+1 values of 100+r,
        // to the right r+2 values of 200+r
        var fromRight = new float[right + 1];
        var fromLeft = new float[left + 2];
        group.ExchangeWithNeighbours<float>(Enumerable.Repeat(100f + r, r + 1).ToArray(), fromRight,
                                            Enumerable.Repeat(200f + r, r + 2).ToArray(), fromLeft);
        output.Add("exchangeFromRight", fromRight);
        output.Add("exchangeFromLeft", fromLeft);
        group.Barrier();
        output.Add("payloadBytes", group.Statistics.PayloadBytes);
        output.Write();
    }
}
