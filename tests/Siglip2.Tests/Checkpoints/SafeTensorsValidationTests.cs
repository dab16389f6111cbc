using System.Text;
using Siglip2.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace Siglip2.Tests.Checkpoints;

/// <summary>
/// Crafted safetensors files (issue 10): every malformed header or data layout is a one-line error that names the
/// file and the tensor or field, never an internal exception, and never silently accepted.
/// </summary>
public class SafeTensorsValidationTests
{
    /// <summary>A file from raw header bytes and <paramref name="dataBytes"/> bytes of data.</summary>
    internal static byte[] Craft(byte[] header, long dataBytes, ulong? declaredLength = null)
    {
        var bytes = new byte[8 + header.Length + dataBytes];
        BitConverter.GetBytes(declaredLength ?? (ulong)header.Length).CopyTo(bytes, 0);
        header.CopyTo(bytes, 8);
        return bytes;
    }

    internal static byte[] Craft(string header, long dataBytes) => Craft(Encoding.UTF8.GetBytes(header), dataBytes);

    /// <summary>Writes the bytes to a file and opens it; returns the error (the test fails when none is thrown).</summary>
    private static string OpenError(byte[] file)
    {
        using var tmp = new TempDirectory();
        string path = tmp.File("model.safetensors");
        File.WriteAllBytes(path, file);
        var e = Assert.Throws<Siglip2Exception>(() => SafeTensorsFile.Open(path).Dispose());
        Assert.DoesNotContain('\n', e.Message);
        Assert.StartsWith(path, e.Message);
        // the same verdict from the bytes alone (the fuzzing entry point)
        var fromBytes = Assert.Throws<Siglip2Exception>(() => SafeTensorsHeader.Parse(file, path));
        Assert.Equal(e.Message, fromBytes.Message);
        return e.Message;
    }

    private static string OpenError(string header, long dataBytes) => OpenError(Craft(header, dataBytes));

    private const string F4 = "\"dtype\":\"F32\",\"shape\":[1]";

    [Fact]
    public void AValidHandWrittenFileOpens()
    {
        using var tmp = new TempDirectory();
        string path = tmp.File("ok.safetensors");
        // zero-size tensors anywhere, a scalar, unknown fields ignored, metadata strings, trailing spaces
        File.WriteAllBytes(path, Craft(
            "{\"__metadata__\":{\"format\":\"pt\"},\"a\":{" + F4 + ",\"data_offsets\":[0,4]},"
            + "\"empty\":{\"dtype\":\"F16\",\"shape\":[0,3],\"data_offsets\":[4,4]},"
            + "\"s\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[4,12],\"extra\":[1,{\"x\":2}]},"
            + "\"end\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[12,12]}}   ", 12));
        using var f = SafeTensorsFile.Open(path);
        Assert.Equal(4, f.Tensors.Count);
        Assert.Equal("pt", f.Metadata["format"]);
        Assert.Equal(new long[] { 0, 3 }, f.Info("empty").Shape);
        Assert.Equal(0, f.ReadTensor("empty").numel());
        Assert.Equal(1, f.ReadTensor("s").numel());
    }

    [Fact]
    public void HeaderLengthZeroCapAndFileSizeAreSeparateMessages()
    {
        Assert.Contains("only 5 bytes", OpenError(new byte[5]));
        Assert.Contains("header length is 0", OpenError(Craft([], 16, declaredLength: 0)));
        string cap = OpenError(Craft(Encoding.UTF8.GetBytes("{}"), 0, declaredLength: 100_010_288));
        Assert.Contains("header length 100,010,288 exceeds the 100,000,000-byte header cap of the safetensors format", cap);
        Assert.DoesNotContain("impossible", cap);
        string size = OpenError(Craft(Encoding.UTF8.GetBytes("{}"), 0, declaredLength: 5000));
        Assert.Contains("header length 5,000 is more than the 2 bytes that follow it", size);
    }

    [Theory]
    [InlineData("\"just a string\"", "must be a JSON object of tensors, got the string \"just a string\"")]
    [InlineData("[1,2,3]", "must be a JSON object of tensors, got an array")]
    [InlineData("42", "must be a JSON object of tensors, got the number 42")]
    [InlineData("{\"a\":", "not valid JSON")]
    [InlineData("{} x", "not valid JSON")]
    [InlineData("{\"a\":3}", "tensor 'a': its entry must be an object with dtype, shape and data_offsets, got the number 3")]
    [InlineData("{\"a\":[0,4]}", "tensor 'a': its entry must be an object")]
    [InlineData("{\"a\":{\"shape\":[1],\"data_offsets\":[0,4]}}", "tensor 'a' has no 'dtype'")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", "tensor 'a' has no 'shape'")]
    [InlineData("{\"a\":{" + F4 + "}}", "tensor 'a' has no 'data_offsets'")]
    [InlineData("{\"a\":{\"dtype\":7,\"shape\":[1],\"data_offsets\":[0,4]}}", "tensor 'a': 'dtype' must be a string")]
    [InlineData("{\"a\":{\"dtype\":\"F31\",\"shape\":[1],\"data_offsets\":[0,4]}}", "tensor 'a' has unknown dtype 'F31'")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":\"1\",\"data_offsets\":[0,4]}}", "tensor 'a': 'shape' must be an array of non-negative integers, got the string \"1\"")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", "tensor 'a': shape[0] must be a non-negative integer below 2^63, got the number -1")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}", "shape[0] must be a non-negative integer below 2^63, got the number 1.5")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1,\"2\"],\"data_offsets\":[0,4]}}", "shape[1] must be a non-negative integer below 2^63, got the string \"2\"")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[9223372036854775808],\"data_offsets\":[0,4]}}", "shape[0] must be a non-negative integer below 2^63, got the number 9223372036854775808")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":{\"0\":0}}}", "'data_offsets' must be an array of non-negative integers, got an object")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,18446744073709551616]}}", "data_offsets[1] must be a non-negative integer below 2^64, got the number 18446744073709551616")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,null]}}", "data_offsets[1] must be a non-negative integer below 2^64, got null")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]}}", "'data_offsets' must hold exactly 2 integers [begin, end], got 3")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,0]}}", "data_offsets [4, 0] end before they begin")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}", "tensor 'a': shape [2] of F32 needs 8 bytes, but data_offsets [0, 4] span 4")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,4]}}", "needs more than 2^64 bytes")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", "tensor 'a': 'dtype' is given twice")]
    [InlineData("{\"__metadata__\":[\"pt\"]}", "'__metadata__' must be an object of strings, got an array")]
    [InlineData("{\"__metadata__\":{\"format\":1}}", "'__metadata__' field 'format' must be a string, got the number 1")]
    [InlineData("{\"__metadata__\":{\"a\":\"x\",\"a\":\"y\"}}", "'__metadata__' has the key 'a' twice")]
    [InlineData("{\"\\ud800\":{" + F4 + ",\"data_offsets\":[0,4]}}", "a tensor name at header byte 1 is not valid Unicode")]
    public void MalformedHeadersAreOneLineErrors(string header, string expected)
    {
        Assert.Contains(expected, OpenError(header, 4));
    }

    [Fact]
    public void InvalidUtf8InATensorNameIsACleanError()
    {
        var header = Encoding.UTF8.GetBytes("{\"ab\":{" + F4 + ",\"data_offsets\":[0,4]}}");
        header[3] = 0xFF; // inside the name "ab"
        string e = OpenError(Craft(header, 4));
        Assert.Contains("the safetensors header is not valid UTF-8 (invalid byte at file offset 11)", e);
    }

    [Fact]
    public void DuplicateTensorNamesAreRefusedNotLastOneWins()
    {
        string e = OpenError("{\"w\":{" + F4 + ",\"data_offsets\":[0,4]},\"w\":{" + F4 + ",\"data_offsets\":[4,8]}}", 8);
        Assert.Contains("tensor 'w' appears twice in the header", e);
        // also when spelled differently: \u0077 is "w"
        Assert.Contains("tensor 'w' appears twice",
            OpenError("{\"w\":{" + F4 + ",\"data_offsets\":[0,4]},\"\\u0077\":{" + F4 + ",\"data_offsets\":[4,8]}}", 8));
    }

    [Fact]
    public void OverlappingHolesAndTrailingBytesAreRefused()
    {
        string overlap = OpenError("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{" + F4 + ",\"data_offsets\":[4,8]}}", 8);
        Assert.Contains("tensors 'a' (data bytes 0–8) and 'b' (data bytes 4–8) overlap", overlap);
        // the same offsets twice: overlap, not a silent alias
        Assert.Contains("overlap", OpenError("{\"a\":{" + F4 + ",\"data_offsets\":[0,4]},\"b\":{" + F4 + ",\"data_offsets\":[0,4]}}", 4));
        Assert.Contains("4 unused bytes before the first tensor 'a'", OpenError("{\"a\":{" + F4 + ",\"data_offsets\":[4,8]}}", 8));
        Assert.Contains("4 unused bytes between tensors 'a' (ends at 4) and 'b' (begins at 8)",
            OpenError("{\"a\":{" + F4 + ",\"data_offsets\":[0,4]},\"b\":{" + F4 + ",\"data_offsets\":[8,12]}}", 12));
        Assert.Contains("3 trailing bytes after the last tensor 'a'", OpenError("{\"a\":{" + F4 + ",\"data_offsets\":[0,4]}}", 7));
        Assert.Contains("5 trailing bytes after a header that lists no tensors", OpenError("{}", 5));
        string truncated = OpenError("{\"a\":{" + F4 + ",\"data_offsets\":[0,4]},\"b\":{" + F4 + ",\"data_offsets\":[4,8]}}", 6);
        Assert.Contains("tensor 'b' ends at data byte 8, but the file holds only 6 data bytes after the header (truncated or corrupt file", truncated);
        // offsets far beyond the file: no overflow, the same clean message
        Assert.Contains("tensor 'a' ends at data byte 9,223,372,036,854,775,807, but the file holds only 4 data bytes",
            OpenError("{\"a\":{\"dtype\":\"U8\",\"shape\":[9223372036854775807],\"data_offsets\":[0,9223372036854775807]}}", 4));
        Assert.Contains("18,446,744,073,709,551,615 unused bytes before the first tensor 'z'",
            OpenError("{\"z\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[18446744073709551615,18446744073709551615]}}", 0));
    }

    [Fact]
    public void NonRegularFilesAreRefusedWithoutBlocking()
    {
        using var tmp = new TempDirectory();
        Directory.CreateDirectory(tmp.File("dir.safetensors"));
        var e = Assert.Throws<Siglip2Exception>(() => SafeTensorsFile.Open(tmp.File("dir.safetensors")));
        Assert.Contains("is a folder", e.Message);
        if (OperatingSystem.IsLinux())
        {
            string fifo = tmp.File("fifo.safetensors");
            Siglip2.Tests.Reliability.CliRun.MakeFifo(fifo);
            var sw = System.Diagnostics.Stopwatch.StartNew();
            e = Assert.Throws<Siglip2Exception>(() => SafeTensorsFile.Open(fifo));
            Assert.Contains("FIFO", e.Message);
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5));
        }
        Assert.Contains("not found", Assert.Throws<Siglip2Exception>(() => SafeTensorsFile.Open(tmp.File("none.safetensors"))).Message);
    }

    [Fact]
    public void FilesTheWriterProducesPassTheStrictChecks()
    {
        using var tmp = new TempDirectory();
        string path = tmp.File("w.safetensors");
        SafeTensorsWriter.Save(path, [
            KeyValuePair.Create("b", torch.ones(3, 2)),
            KeyValuePair.Create("empty", torch.zeros(0, 5)),
            KeyValuePair.Create("a", torch.arange(5L)),
            KeyValuePair.Create("h", torch.ones(7, ScalarType.Float16)),
        ], new Dictionary<string, string> { ["format"] = "pt" });
        using var f = SafeTensorsFile.Open(path);
        Assert.Equal(4, f.Tensors.Count);
        Assert.Equal(new long[] { 0, 1, 2, 3, 4 }, f.ReadInt64s("a"));
    }
}
