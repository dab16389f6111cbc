using System.IO.Compression;
using Siglip2.Data;

namespace Siglip2.Tests.Data;

public class FashionMnistTests
{
    // Reference values read from the Debian files with Python's gzip module (an independent IDX parse).
    [Fact]
    public void RealFilesHaveTheirPublishedCountsLabelsAndPixels()
    {
        var data = SharedFashionMnist.Data;
        Assert.Equal(60_000, data.Train.Count);
        Assert.Equal(10_000, data.Test.Count);
        Assert.Equal(60_000 * 784, data.Train.Pixels.Length);
        Assert.Equal(10_000 * 784, data.Test.Pixels.Length);
        for (int c = 0; c < 10; c++)
        {
            Assert.Equal(6000, data.Train.Labels.Count(l => l == c));
            Assert.Equal(1000, data.Test.Labels.Count(l => l == c));
        }
        Assert.Equal([9, 0, 0, 3, 0, 2, 7, 2, 5, 5], data.Train.Labels.Take(10).Select(l => (int)l));
        Assert.Equal([9, 2, 1, 1, 6, 1, 4, 6, 5, 7], data.Test.Labels.Take(10).Select(l => (int)l));
        Assert.Equal(76247, Sum(data.Train.Image(0)));
        Assert.Equal(16684, Sum(data.Train.Image(59_999)));
        Assert.Equal(33456, Sum(data.Test.Image(0)));
        Assert.Equal(24390, Sum(data.Test.Image(9_999)));
        Assert.Equal(new byte[] { 0, 0, 1, 4, 6, 7, 2, 0, 0, 0, 0, 0, 237, 226, 217, 223, 222, 219, 222, 221, 216, 223, 229, 215, 218, 255, 77, 0 },
            data.Train.Image(0).Slice(14 * 28, 28).ToArray());
        Assert.Equal(10, FashionMnist.ClassNames.Count);
        Assert.Equal("Ankle boot", FashionMnist.ClassNames[9]);
    }

    private static int Sum(ReadOnlySpan<byte> bytes)
    {
        int s = 0;
        foreach (var b in bytes) s += b;
        return s;
    }

    [Fact]
    public void MissingFolderSaysHowToInstall()
    {
        var e = Assert.Throws<Siglip2Exception>(() => FashionMnist.Load("/nonexistent/fashion"));
        AssertOneLine(e);
        Assert.Contains("/nonexistent/fashion", e.Message);
        Assert.Contains("apt-get install dataset-fashion-mnist", e.Message);
        Assert.Contains("--data DIR", e.Message);
    }

    [Fact]
    public void MissingFileSaysWhichAndHowToFix()
    {
        using var dir = new TestFolder();
        WriteSet(dir.Path, images: 3, labels: 3);
        File.Delete(Path.Combine(dir.Path, "t10k-labels-idx1-ubyte.gz"));
        var e = Assert.Throws<Siglip2Exception>(() => FashionMnist.Load(dir.Path));
        AssertOneLine(e);
        Assert.Contains("t10k-labels-idx1-ubyte.gz", e.Message);
        Assert.Contains("apt-get install dataset-fashion-mnist", e.Message);
    }

    [Fact]
    public void SmallValidFilesLoadCompressedOrNot()
    {
        using var dir = new TestFolder();
        WriteSet(dir.Path, images: 3, labels: 3);
        // Replace one gzip file by its uncompressed form: both are accepted.
        File.Delete(Path.Combine(dir.Path, "train-labels-idx1-ubyte.gz"));
        File.WriteAllBytes(Path.Combine(dir.Path, "train-labels-idx1-ubyte"), Idx(1, [3], [7, 8, 9]));
        var data = FashionMnist.Load(dir.Path);
        Assert.Equal(3, data.Train.Count);
        Assert.Equal([7, 8, 9], data.Train.Labels.Select(l => (int)l));
        Assert.Equal(5, data.Test.Image(2)[100]);
    }

    [Theory]
    [InlineData("bad-magic")]
    [InlineData("truncated-data")]
    [InlineData("truncated-gzip")]
    [InlineData("not-gzip")]
    [InlineData("trailing-bytes")]
    [InlineData("count-mismatch")]
    [InlineData("label-range")]
    [InlineData("wrong-image-size")]
    public void CorruptFilesAreOneLineErrors(string damage)
    {
        using var dir = new TestFolder();
        WriteSet(dir.Path, images: 4, labels: 4);
        string images = Path.Combine(dir.Path, "train-images-idx3-ubyte.gz");
        string labels = Path.Combine(dir.Path, "train-labels-idx1-ubyte.gz");
        switch (damage)
        {
            case "bad-magic": WriteGz(images, [0, 0, 8, 1, 0, 0, 0, 4]); break;
            case "truncated-data": WriteGz(images, Idx(3, [4, 28, 28], new byte[4 * 784])[..^100]); break;
            case "truncated-gzip": File.WriteAllBytes(images, File.ReadAllBytes(images)[..^20]); break;
            case "not-gzip": File.WriteAllBytes(images, "this is not gzip data at all"u8.ToArray()); break;
            case "trailing-bytes": WriteGz(labels, [.. Idx(1, [4], [1, 2, 3, 4]), 0]); break;
            case "count-mismatch": WriteGz(labels, Idx(1, [5], [1, 2, 3, 4, 5])); break;
            case "label-range": WriteGz(labels, Idx(1, [4], [1, 2, 10, 4])); break;
            case "wrong-image-size": WriteGz(images, Idx(3, [4, 32, 32], new byte[4 * 1024])); break;
        }
        var e = Assert.Throws<Siglip2Exception>(() => FashionMnist.Load(dir.Path));
        AssertOneLine(e);
        Assert.Contains(dir.Path, e.Message);
        Assert.Contains("dataset-fashion-mnist", e.Message);
    }

    [Fact]
    public void IdxReaderReadsShapeAndData()
    {
        using var dir = new TestFolder();
        string path = Path.Combine(dir.Path, "x.idx");
        File.WriteAllBytes(path, Idx(3, [2, 1, 3], [1, 2, 3, 4, 5, 6]));
        var idx = IdxFile.Read(path, 3);
        Assert.Equal([2, 1, 3], idx.Dimensions);
        Assert.Equal(2, idx.Count);
        Assert.Equal(3, idx.EntrySize);
        Assert.Equal([1, 2, 3, 4, 5, 6], idx.Data.Select(b => (int)b));
        var e = Assert.Throws<Siglip2Exception>(() => IdxFile.Read(path, 1, "fix it"));
        Assert.EndsWith("; fix it", e.Message);
    }

    private static void AssertOneLine(Exception e) => Assert.DoesNotContain('\n', e.Message);

    /// <summary>An IDX file written by hand: magic 00 00 08 ndim, big-endian dimensions, data.</summary>
    private static byte[] Idx(int dims, int[] shape, byte[] data)
    {
        var bytes = new List<byte> { 0, 0, 8, (byte)dims };
        foreach (int d in shape) bytes.AddRange([(byte)(d >> 24), (byte)(d >> 16), (byte)(d >> 8), (byte)d]);
        bytes.AddRange(data);
        return bytes.ToArray();
    }

    private static void WriteGz(string path, byte[] content)
    {
        using var file = File.Create(path);
        using var gz = new GZipStream(file, CompressionLevel.Fastest);
        gz.Write(content);
    }

    private static void WriteSet(string dir, int images, int labels)
    {
        foreach (var prefix in new[] { "train", "t10k" })
        {
            var pixels = new byte[images * 784];
            Array.Fill(pixels, (byte)5);
            WriteGz(Path.Combine(dir, $"{prefix}-images-idx3-ubyte.gz"), Idx(3, [images, 28, 28], pixels));
            WriteGz(Path.Combine(dir, $"{prefix}-labels-idx1-ubyte.gz"), Idx(1, [labels], Enumerable.Range(0, labels).Select(i => (byte)i).ToArray()));
        }
    }
}
