using Siglip2.Checkpoints;
using Siglip2.Cli;
using Siglip2.Cli.Commands;
using TorchSharp;
using static TorchSharp.torch;

namespace Siglip2.Tests.Cli;

public class VerifyCommandTests
{
    [Theory]
    [InlineData("siglip-tiny")]
    [InlineData("siglip2-naflex-tiny")]
    public void PassesOnShippedFixtures(string fixture)
    {
        int rc = Program.Execute(new VerifyCommand(), ["--model", FixturePaths.Path(fixture), "--json"]);
        Assert.Equal(0, rc);
    }

    [Fact]
    public void FailsWhenAReferenceTensorDiffers()
    {
        using var tmp = new TempDirectory();
        using var f = SafeTensorsFile.Open(FixturePaths.Path("siglip-tiny", "expected.safetensors"));
        var tensors = f.Tensors.Keys.ToDictionary(k => k, k => f.ReadTensor(k));
        tensors["text_embeds"] = tensors["text_embeds"] + 1e-3f;
        SafeTensorsWriter.Save(tmp.File("expected.safetensors"), tensors);
        int rc = Program.Execute(new VerifyCommand(), ["--model", FixturePaths.Path("siglip-tiny"), "--expected", tmp.File("expected.safetensors")]);
        Assert.Equal(1, rc);
    }

    [Fact]
    public void BadInputsExitNonZero()
    {
        Assert.Equal(1, Program.Execute(new VerifyCommand(), ["--model", "/no/such/folder"]));
        Assert.Equal(2, Program.Execute(new VerifyCommand(), ["--modl", "x"]));
        Assert.Equal(2, Program.Execute(new VerifyCommand(), ["--model", FixturePaths.Path("siglip-tiny"), "--atol", "abc"]));
        Assert.Equal(2, Program.Main(["no-such-command"]));
    }
}
