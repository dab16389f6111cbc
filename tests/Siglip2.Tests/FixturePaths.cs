namespace Siglip2.Tests;

/// <summary>Locates tests/fixtures (copied from shared/fixtures, with their manifests) from the test binary.</summary>
public static class FixturePaths
{
    private static readonly Lazy<string> RootLazy = new(() =>
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir != null)
        {
            var candidate = System.IO.Path.Combine(dir.FullName, "tests", "fixtures");
            if (Directory.Exists(candidate)) return candidate;
            dir = dir.Parent;
        }
        throw new DirectoryNotFoundException("tests/fixtures not found above " + AppContext.BaseDirectory);
    });

    public static string Root => RootLazy.Value;

    /// <summary>
    /// A fixture file. Files stored gzipped in the repository (name + ".gz", to keep every tracked file small) are
    /// decompressed once into a temporary folder (reused by later runs) and that copy's path is returned.
    /// </summary>
    public static string Path(params string[] parts)
    {
        string path = System.IO.Path.Combine([Root, .. parts]);
        if (File.Exists(path) || Directory.Exists(path) || !File.Exists(path + ".gz")) return path;
        lock (Gate)
        {
            string relative = System.IO.Path.GetRelativePath(Root, path);
            // keyed by the compressed size, so a changed fixture is unpacked anew and an unchanged one is reused
            string target = System.IO.Path.Combine(Unpacked, new FileInfo(path + ".gz").Length.ToString(), relative);
            if (!File.Exists(target))
            {
                Directory.CreateDirectory(System.IO.Path.GetDirectoryName(target)!);
                string partial = $"{target}.{Environment.ProcessId}.partial";
                using (var input = new System.IO.Compression.GZipStream(File.OpenRead(path + ".gz"), System.IO.Compression.CompressionMode.Decompress))
                using (var output = File.Create(partial))
                    input.CopyTo(output);
                File.Move(partial, target, overwrite: true);
            }
            return target;
        }
    }

    private static readonly object Gate = new();
    private static readonly string Unpacked = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "siglip2-fixtures");

    /// <summary>The repository root (the folder holding tests/).</summary>
    public static string RepositoryRoot => System.IO.Path.GetFullPath(System.IO.Path.Combine(Root, "..", ".."));
}
