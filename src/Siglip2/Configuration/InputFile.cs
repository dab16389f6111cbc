using System.Runtime.InteropServices;
using System.Text;

namespace Siglip2.Configuration;

/// <summary>What a path names, as <c>stat(2)</c> reports it.</summary>
public enum InputFileKind
{
    Missing,
    Regular,
    Directory,
    NamedPipe,
    CharacterDevice,
    BlockDevice,
    Socket,
    Other,
}

/// <summary>The identity of a file on its file system (device and inode): two paths name the same file exactly when these are equal.</summary>
public readonly record struct FileIdentity(ulong Device, ulong Inode);

/// <summary>
/// Opens and reads the files a user hands over (images, configs, tokenizers, weights) so that no input can hang the
/// process or exhaust its memory: only regular files are opened (a FIFO would block <c>open</c> forever, and
/// <c>/dev/zero</c> never ends), and every read has a byte limit checked from the file's size before reading and
/// again while reading. Every failure is a one-line <see cref="Siglip2Exception"/> that names the file.
/// </summary>
public static class InputFile
{
    /// <summary>The kind of file at <paramref name="path"/> (symbolic links followed).</summary>
    public static InputFileKind KindOf(string path)
    {
        if (OperatingSystem.IsLinux() && StatxKind(path) is { } kind) return kind;
        // Elsewhere (no FIFOs or devices reachable by an ordinary path on Windows): what .NET can tell.
        if (Directory.Exists(path)) return InputFileKind.Directory;
        return File.Exists(path) ? InputFileKind.Regular : InputFileKind.Missing;
    }

    /// <summary>
    /// The device and inode of <paramref name="path"/> (symbolic links followed), or null when it does not exist or the
    /// platform cannot tell; hard links, symbolic links and different spellings of one file all give the same identity.
    /// </summary>
    public static unsafe FileIdentity? IdentityOf(string path)
    {
        if (!OperatingSystem.IsLinux() || _statxUnavailable || path.Length == 0 || path.Contains('\0')) return null;
        byte* buffer = stackalloc byte[256];
        try
        {
            if (Statx(AtFdCwd, path, 0, StatxType | StatxIno, buffer) != 0) return null;
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            _statxUnavailable = true;
            return null;
        }
        // struct statx: stx_ino at byte 32, stx_dev_major / stx_dev_minor at bytes 136 / 140.
        ulong inode = *(ulong*)(buffer + 32);
        ulong device = ((ulong)*(uint*)(buffer + 136) << 32) | *(uint*)(buffer + 140);
        return new FileIdentity(device, inode);
    }

    /// <summary>Throws unless <paramref name="path"/> is an existing regular file; <paramref name="what"/> names it ("image", "config.json").</summary>
    public static void RequireRegular(string path, string what)
    {
        var kind = KindOf(path);
        if (kind == InputFileKind.Regular) return;
        throw new Siglip2Exception(kind switch
        {
            InputFileKind.Missing => $"{what} not found: {path}",
            InputFileKind.Directory => $"{what} '{path}' is a folder, not a file; give the path of the file itself",
            _ => $"{what} '{path}' is a {Describe(kind)}, not a regular file; copy the data into a file and pass that",
        });
    }

    /// <summary>True when <paramref name="path"/> is an existing regular file (not a folder, FIFO or device).</summary>
    public static bool IsRegular(string path) => KindOf(path) == InputFileKind.Regular;

    /// <summary>Opens a regular file for reading, after checking its kind and that it holds at most <paramref name="maxBytes"/>.</summary>
    public static FileStream OpenRead(string path, string what, long maxBytes = long.MaxValue)
    {
        RequireRegular(path, what);
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new Siglip2Exception($"cannot read {what} '{path}': {OneLine(e.Message)}", e);
        }
        if (stream.Length > maxBytes)
        {
            long length = stream.Length;
            stream.Dispose();
            throw TooLarge(path, what, length, maxBytes);
        }
        return stream;
    }

    /// <summary>Reads a whole regular file of at most <paramref name="maxBytes"/> bytes.</summary>
    public static byte[] ReadAllBytes(string path, string what, long maxBytes)
    {
        using var stream = OpenRead(path, what, maxBytes);
        try
        {
            return ReadBounded(stream, path, what, maxBytes);
        }
        catch (IOException e)
        {
            throw new Siglip2Exception($"cannot read {what} '{path}': {OneLine(e.Message)}", e);
        }
    }

    /// <summary>Reads a whole regular file as strict UTF-8 (a byte-order mark is skipped); invalid UTF-8 is an error naming the byte offset.</summary>
    public static string ReadAllText(string path, string what, long maxBytes)
    {
        byte[] bytes = ReadAllBytes(path, what, maxBytes);
        return DecodeUtf8(bytes, path, what);
    }

    /// <summary>Strict UTF-8 decoding with a one-line error naming the first invalid byte.</summary>
    public static string DecodeUtf8(ReadOnlySpan<byte> bytes, string path, string what)
    {
        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF])) bytes = bytes[3..];
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            throw new Siglip2Exception($"{what} '{path}' is not valid UTF-8 (invalid byte at offset {e.Index}); save it as UTF-8 or re-download it");
        }
    }

    /// <summary>Copies at most <paramref name="maxBytes"/> from a stream of unknown length (e.g. a decompressor); longer is an error.</summary>
    public static byte[] ReadBounded(Stream stream, string path, string what, long maxBytes)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[1 << 16];
        long total = 0;
        int n;
        while ((n = stream.Read(chunk, 0, chunk.Length)) > 0)
        {
            total += n;
            if (total > maxBytes) throw TooLarge(path, what, null, maxBytes);
            buffer.Write(chunk, 0, n);
        }
        return buffer.ToArray();
    }

    public static Siglip2Exception TooLarge(string path, string what, long? length, long maxBytes) =>
        new(length is { } l
            ? $"{what} '{path}' is {FormatBytes(l)}, over the {FormatBytes(maxBytes)} limit for a {what}; is it the right file?"
            : $"{what} '{path}' holds more than the {FormatBytes(maxBytes)} limit for a {what}; is it the right file?");

    public static string FormatBytes(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{bytes / (double)(1L << 30):0.#} GiB",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):0.#} MiB",
        >= 1L << 10 => $"{bytes / 1024.0:0.#} KiB",
        _ => $"{bytes} bytes",
    };

    public static string Describe(InputFileKind kind) => kind switch
    {
        InputFileKind.NamedPipe => "FIFO (named pipe)",
        InputFileKind.CharacterDevice => "character device",
        InputFileKind.BlockDevice => "block device",
        InputFileKind.Socket => "socket",
        InputFileKind.Directory => "folder",
        InputFileKind.Missing => "missing file",
        _ => "special file",
    };

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static string OneLine(string message) => message.Split('\n')[0].TrimEnd();

    // statx(2) has one struct layout on every Linux architecture (stat(2) does not), so it is called directly:
    // .NET exposes no file type beyond "directory", and opening a FIFO to ask would block.
    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static extern unsafe int Statx(int dirFd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, byte* buffer);

    private const int AtFdCwd = -100;
    private const uint StatxType = 0x1;
    private const uint StatxIno = 0x100;
    private static bool _statxUnavailable;

    private static unsafe InputFileKind? StatxKind(string path)
    {
        if (_statxUnavailable || path.Length == 0 || path.Contains('\0')) return path.Length == 0 || path.Contains('\0') ? InputFileKind.Missing : null;
        byte* buffer = stackalloc byte[256];
        int rc;
        try
        {
            rc = Statx(AtFdCwd, path, 0, StatxType, buffer);
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            _statxUnavailable = true;
            return null;
        }
        if (rc != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            const int ENOENT = 2, ENOTDIR = 20, ENOSYS = 38, ENAMETOOLONG = 36, ELOOP = 40;
            if (errno is ENOENT or ENOTDIR or ENAMETOOLONG or ELOOP) return InputFileKind.Missing;
            if (errno == ENOSYS) _statxUnavailable = true;
            return null; // e.g. EACCES: let the managed open report it
        }
        ushort mode = *(ushort*)(buffer + 28); // struct statx: stx_mode at byte 28
        return (mode & 0xF000) switch
        {
            0x8000 => InputFileKind.Regular,
            0x4000 => InputFileKind.Directory,
            0x1000 => InputFileKind.NamedPipe,
            0x2000 => InputFileKind.CharacterDevice,
            0x6000 => InputFileKind.BlockDevice,
            0xC000 => InputFileKind.Socket,
            _ => InputFileKind.Other,
        };
    }
}
