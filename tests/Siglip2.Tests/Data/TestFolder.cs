namespace Siglip2.Tests.Data;

/// <summary>A temporary folder for data tests, deleted on dispose.</summary>
internal sealed class TestFolder : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("siglip2-data-test-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}
