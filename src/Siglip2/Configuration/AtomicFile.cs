using System.Text;

namespace Siglip2.Configuration;

/// <summary>
/// Writes a file so that a crash or a full disk at any point leaves either the old file or the complete new one:
/// the data goes to a uniquely named temporary file in the same folder, is flushed to disk, and is then renamed over
/// the target (a rename within one file system is atomic on POSIX). A failed write removes its temporary file.
/// </summary>
public static class AtomicFile
{
    /// <summary>Writes the file by calling <paramref name="write"/> on a stream over the temporary file.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        string full = Path.GetFullPath(path);
        string folder = Path.GetDirectoryName(full) ?? throw new Siglip2Exception($"cannot write '{path}': it names no file");
        EnsureFolder(folder, path);
        if (Directory.Exists(full))
            throw new Siglip2Exception($"cannot write '{path}': a folder of that name exists; choose a file name");
        string temporary = Path.Combine(folder, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, full, overwrite: true);
        }
        catch (IOException e)
        {
            TryDelete(temporary);
            throw new Siglip2Exception($"cannot write '{path}': {e.Message.Split('\n')[0]} (is the disk full or the folder read-only?)", e);
        }
        catch (UnauthorizedAccessException e)
        {
            TryDelete(temporary);
            throw new Siglip2Exception($"cannot write '{path}': permission denied ({e.Message.Split('\n')[0]})", e);
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }
    }

    /// <summary>Writes UTF-8 text (no byte-order mark) atomically.</summary>
    public static void WriteAllText(string path, string text) =>
        Write(path, s => s.Write(new UTF8Encoding(false).GetBytes(text)));

    /// <summary>Writes bytes atomically.</summary>
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        byte[] copy = bytes.ToArray();
        Write(path, s => s.Write(copy));
    }

    /// <summary>Creates the folder (and its parents) for an output, with a clear error when part of the path is a file.</summary>
    public static void EnsureFolder(string folder, string forPath)
    {
        for (var dir = new DirectoryInfo(folder); dir != null; dir = dir.Parent)
        {
            if (File.Exists(dir.FullName))
                throw new Siglip2Exception($"cannot write '{forPath}': '{dir.FullName}' is a file, not a folder");
            if (dir.Exists) break;
        }
        try
        {
            Directory.CreateDirectory(folder);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new Siglip2Exception($"cannot create the folder '{folder}' for '{forPath}': {e.Message.Split('\n')[0]}", e);
        }
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }
}
