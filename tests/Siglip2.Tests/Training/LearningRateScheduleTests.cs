using Siglip2.Training;

namespace Siglip2.Tests.Training;

public class LearningRateScheduleTests
{
    [Fact]
    public void WarmupThenCosineClosedForm()
    {
        var s = new LearningRateSchedule(1e-3, warmupSteps: 10, totalSteps: 110);
        Assert.Equal(0.0, s.At(0));
        Assert.Equal(5e-4, s.At(5), 15);
        Assert.Equal(9e-4, s.At(9), 15);
        Assert.Equal(1e-3, s.At(10), 15);                                  // cos 0 = 1
        Assert.Equal(1e-3 * 0.5 * (1 + Math.Sqrt(0.5)), s.At(35), 15);     // quarter of the decay: cos(π/4)
        Assert.Equal(5e-4, s.At(60), 15);                                  // half-way: cos(π/2) = 0
        Assert.Equal(1e-3 * 0.5 * (1 - Math.Sqrt(0.5)), s.At(85), 15);     // cos(3π/4)
        Assert.Equal(0.0, s.At(110), 15);
        Assert.Equal(0.0, s.At(1000));
        for (long k = 10; k < 110; k++) Assert.True(s.At(k + 1) <= s.At(k));
    }

    [Fact]
    public void FinalLearningRateAndNoWarmup()
    {
        var s = new LearningRateSchedule(2e-3, warmupSteps: 0, totalSteps: 4, finalLearningRate: 1e-4);
        Assert.Equal(2e-3, s.At(0), 15);
        Assert.Equal(1e-4 + 1.9e-3 * 0.5, s.At(2), 15);
        Assert.Equal(1e-4, s.At(4), 15);
    }

    [Theory]
    [InlineData(0.0, 0, 10)]
    [InlineData(1e-3, 11, 10)]
    [InlineData(1e-3, 0, 0)]
    [InlineData(-1.0, 0, 10)]
    public void RejectsBadValues(double lr, long warmup, long total) =>
        Assert.Throws<Siglip2Exception>(() => new LearningRateSchedule(lr, warmup, total));
}
