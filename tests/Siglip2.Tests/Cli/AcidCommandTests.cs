using Siglip2.Cli;
using Siglip2.Cli.Commands;

namespace Siglip2.Tests.Cli;

/// <summary>Mistakes on the `acid` and `ablation` command lines: exit 2 for the command line, 1 for bad input, never a stack trace.</summary>
public class AcidCommandTests
{
    [Fact]
    public void AcidCommandRefusesBadOptions()
    {
        using var tmp = new TempDirectory();
        string learner = tmp.Path, output = tmp.File("out");
        Assert.Equal(1, Program.Execute(new AcidCommand(), ["--learner", learner, "--teacher", tmp.File("missing"), "--output", output]));
        Assert.Equal(1, Program.Execute(new AcidCommand(), ["--learner", tmp.File("missing"), "--teacher", learner, "--output", output]));
        Assert.Equal(2, Program.Execute(new AcidCommand(), ["--learner", learner, "--output", output]));                       // no teacher
        Assert.Equal(2, Program.Execute(new AcidCommand(), ["--learner", learner, "--teacher", learner, "--no-curation", "--output", output]));
        foreach (var keep in new[] { "0", "-0.5", "1.5", "half" })
            Assert.Equal(2, Program.Execute(new AcidCommand(), ["--learner", learner, "--teacher", learner, "--output", output, "--keep", keep]));
        Assert.Equal(2, Program.Execute(new AcidCommand(), ["--learner", learner, "--teacher", learner, "--output", output, "--steps", "0"]));
        Assert.Equal(2, Program.Execute(new AcidCommand(), ["--learner", learner, "--teacher", learner, "--output", output, "--lr", "0"]));
        Assert.Equal(2, Program.Execute(new AcidCommand(), ["--learner", learner, "--teacher", learner]));                      // no output
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public void AblationCommandRefusesBadOptions()
    {
        using var tmp = new TempDirectory();
        string output = tmp.File("out");
        Assert.Equal(2, Program.Execute(new AblationCommand(), ["--output", output, "--seeds", "0,x"]));
        Assert.Equal(2, Program.Execute(new AblationCommand(), ["--output", output, "--seeds", "0,0"]));
        Assert.Equal(2, Program.Execute(new AblationCommand(), ["--output", output, "--seeds", "-1"]));
        Assert.Equal(2, Program.Execute(new AblationCommand(), ["--output", output, "--seed", "0", "--seeds", "0,1"]));
        Assert.Equal(2, Program.Execute(new AblationCommand(), ["--output", output, "--acid-keep", "2"]));
        Assert.Equal(2, Program.Execute(new AblationCommand(), ["--output", output, "--acid-steps", "0"]));
        Assert.Equal(1, Program.Execute(new AblationCommand(), ["--output", output, "--acid-teacher", tmp.File("missing")]));
        Assert.False(Directory.Exists(output));
    }
}
