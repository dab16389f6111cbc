using Siglip2.Cli.Infrastructure;

namespace Siglip2.Tests.Cli;

public class PlotsTests
{
    [Fact]
    public void LossCurveIsWrittenAsPng()
    {
        using var tmp = new TempDirectory();
        var lines = new List<string> { "step,loss,learning_rate,temperature,bias,grad_norm,batch_size,seconds,images_per_second" };
        for (int i = 1; i <= 50; i++) lines.Add($"{i},{10.0 / i},{0.001 * i / 50},10,-10,1,32,0.1,320");
        File.WriteAllLines(tmp.File("loss.csv"), lines);
        string input = Environment.GetEnvironmentVariable("SIGLIP2_PLOT_LOG") ?? tmp.File("loss.csv");
        string output = Environment.GetEnvironmentVariable("SIGLIP2_PLOT_PNG") ?? tmp.File("loss.png");
        Plots.LossCurve(input, output, "test");
        var bytes = File.ReadAllBytes(output);
        Assert.True(bytes.Length > 1000);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes[..4]);
    }
}
