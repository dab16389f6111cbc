using Siglip2.Tasks.Evaluation;
using TorchSharp;

namespace Siglip2.Tests.Tasks;

public class RetrievalRecallTests
{
    [Fact]
    public void RecallCountsTheRankOfTheDiagonal()
    {
        // query 0: positive best (rank 0); query 1: two candidates above (rank 2); query 2: five above (rank 5)
        var sim = torch.tensor(new float[]
        {
            0.9f, 0.1f, 0.2f, 0.0f, 0.0f, 0.0f,
            0.8f, 0.5f, 0.7f, 0.1f, 0.1f, 0.1f,
            0.9f, 0.9f, 0.1f, 0.9f, 0.9f, 0.9f,
        }, [3, 6]);
        var (r1, r5) = SceneRetrieval.Recall(sim);
        Assert.Equal(1.0 / 3, r1, 9);
        Assert.Equal(2.0 / 3, r5, 9);
    }
}
