using Siglip2.Configuration;

namespace Siglip2.Tests.Reliability;

public class AtomicFileTests
{
    [Fact]
    public void AFailedWriteLeavesTheOldFileAndNoTemporary()
    {
        using var tmp = new TempDirectory();
        string path = tmp.File("out.json");
        File.WriteAllText(path, "old");
        Assert.ThrowsAny<InvalidOperationException>(() => AtomicFile.Write(path, s =>
        {
            s.Write("partial new content"u8);
            throw new InvalidOperationException("crash in the middle");
        }));
        Assert.Equal("old", File.ReadAllText(path));
        Assert.Single(Directory.EnumerateFileSystemEntries(tmp.Path));
        AtomicFile.WriteAllText(path, "new");
        Assert.Equal("new", File.ReadAllText(path));
        Assert.Single(Directory.EnumerateFileSystemEntries(tmp.Path));
    }

    [Fact]
    public void APathThroughAFileIsAClearError()
    {
        using var tmp = new TempDirectory();
        File.WriteAllText(tmp.File("a.png"), "x");
        var e = Assert.Throws<Siglip2Exception>(() => AtomicFile.WriteAllText(tmp.File("a.png/x.json"), "{}"));
        Assert.Contains("is a file, not a folder", e.Message);
        Directory.CreateDirectory(tmp.File("dir.json"));
        Assert.Throws<Siglip2Exception>(() => AtomicFile.WriteAllText(tmp.File("dir.json"), "{}"));
    }

    [Fact]
    public void InputFileTellsKindsAndIdentities()
    {
        using var tmp = new TempDirectory();
        File.WriteAllText(tmp.File("f"), "abc");
        Assert.Equal(InputFileKind.Regular, InputFile.KindOf(tmp.File("f")));
        Assert.Equal(InputFileKind.Directory, InputFile.KindOf(tmp.Path));
        Assert.Equal(InputFileKind.Missing, InputFile.KindOf(tmp.File("nope")));
        Assert.Equal(InputFileKind.CharacterDevice, InputFile.KindOf("/dev/null"));
        CliRun.MakeFifo(tmp.File("p"));
        Assert.Equal(InputFileKind.NamedPipe, InputFile.KindOf(tmp.File("p")));
        File.CreateSymbolicLink(tmp.File("link"), tmp.File("f"));
        Assert.Equal(InputFile.IdentityOf(tmp.File("f")), InputFile.IdentityOf(tmp.File("link")));
        File.WriteAllText(tmp.File("g"), "abc");
        Assert.NotEqual(InputFile.IdentityOf(tmp.File("f")), InputFile.IdentityOf(tmp.File("g")));
        var e = Assert.Throws<Siglip2Exception>(() => InputFile.ReadAllBytes(tmp.File("f"), "thing", 2));
        Assert.Contains("over the 2 bytes limit", e.Message);
    }
}
