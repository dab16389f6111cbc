namespace Siglip2.Data;

/// <summary>The two parts of Fashion-MNIST as published: 60 000 training and 10 000 test images.</summary>
public enum FashionMnistPart
{
    Train,
    Test,
}

/// <summary>One part of Fashion-MNIST: <see cref="Count"/> gray 28×28 images (row-major, 0 = black background)
/// and their labels 0..9.</summary>
public sealed class FashionMnistImages
{
    public FashionMnistPart Part { get; }
    public int Count { get; }
    /// <summary>All pixels, image after image (<see cref="FashionMnist.PixelsPerImage"/> bytes each).</summary>
    public byte[] Pixels { get; }
    public byte[] Labels { get; }

    public FashionMnistImages(FashionMnistPart part, byte[] pixels, byte[] labels)
    {
        if (pixels.Length != labels.Length * FashionMnist.PixelsPerImage)
            throw new ArgumentException($"{pixels.Length} pixels do not make {labels.Length} images of 28×28");
        Part = part; Pixels = pixels; Labels = labels; Count = labels.Length;
    }

    public ReadOnlySpan<byte> Image(int index) =>
        Pixels.AsSpan(checked(index * FashionMnist.PixelsPerImage), FashionMnist.PixelsPerImage);

    public int Label(int index) => Labels[index];
}

/// <summary>
/// Fashion-MNIST (Zalando, MIT licence) read from its four IDX files, as installed by Debian's
/// <c>dataset-fashion-mnist</c> package in <see cref="DefaultDirectory"/>.
/// </summary>
public sealed class FashionMnist
{
    public const string DefaultDirectory = "/usr/share/datasets/fashion-mnist";
    public const int ImageSide = 28;
    public const int PixelsPerImage = ImageSide * ImageSide;
    public const int ClassCount = 10;

    /// <summary>The official English class names, by label.</summary>
    public static IReadOnlyList<string> ClassNames { get; } =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    public FashionMnistImages Train { get; }
    public FashionMnistImages Test { get; }
    public string Directory { get; }

    private FashionMnist(string directory, FashionMnistImages train, FashionMnistImages test)
    {
        Directory = directory; Train = train; Test = test;
    }

    public FashionMnistImages this[FashionMnistPart part] => part == FashionMnistPart.Train ? Train : Test;

    /// <summary>The four IDX files of a Fashion-MNIST folder (each also accepted without .gz).</summary>
    public static IReadOnlyList<string> FileNames { get; } =
        ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"];

    /// <summary>
    /// Whether <paramref name="path"/> is a folder holding any of the Fashion-MNIST IDX files (<see cref="FileNames"/>,
    /// gzipped or not): the rule by which `siglip2 train --preset NAME --data DIR` trains on FashionScenes rather than on
    /// image–text pairs. A folder with only some of the files is still one (loading it then says which file is missing).
    /// </summary>
    public static bool HoldsIdxFiles(string path) =>
        System.IO.Directory.Exists(path)
        && FileNames.Any(n => File.Exists(Path.Combine(path, n)) || File.Exists(Path.Combine(path, Path.GetFileNameWithoutExtension(n))));

    /// <summary>Loads both parts from <paramref name="directory"/> (default <see cref="DefaultDirectory"/>).</summary>
    public static FashionMnist Load(string? directory = null)
    {
        string dir = directory ?? DefaultDirectory;
        return new FashionMnist(dir, LoadPart(FashionMnistPart.Train, dir), LoadPart(FashionMnistPart.Test, dir));
    }

    /// <summary>Loads one part from <paramref name="directory"/> (default <see cref="DefaultDirectory"/>).</summary>
    public static FashionMnistImages LoadPart(FashionMnistPart part, string? directory = null)
    {
        string dir = directory ?? DefaultDirectory;
        string howToFix = directory == null
            ? "install the Fashion-MNIST files with `apt-get install dataset-fashion-mnist` or pass --data DIR with the four files (train/t10k-images-idx3-ubyte.gz, train/t10k-labels-idx1-ubyte.gz)"
            : $"pass --data DIR with the four Fashion-MNIST files (train/t10k-images-idx3-ubyte.gz, train/t10k-labels-idx1-ubyte.gz), or install them in {DefaultDirectory} with `apt-get install dataset-fashion-mnist`";
        if (!System.IO.Directory.Exists(dir))
            throw new Siglip2Exception($"Fashion-MNIST folder not found: {dir}; {howToFix}");
        string prefix = part == FashionMnistPart.Train ? "train" : "t10k";
        var images = IdxFile.Read(FindFile(dir, $"{prefix}-images-idx3-ubyte"), 3, howToFix);
        var labels = IdxFile.Read(FindFile(dir, $"{prefix}-labels-idx1-ubyte"), 1, howToFix);
        if (images.Dimensions[1] != ImageSide || images.Dimensions[2] != ImageSide)
            throw new Siglip2Exception(
                $"{dir}: {prefix} images are {images.Dimensions[1]}×{images.Dimensions[2]}, Fashion-MNIST images are 28×28; {howToFix}");
        if (images.Count != labels.Count)
            throw new Siglip2Exception($"{dir}: {images.Count} {prefix} images but {labels.Count} labels; {howToFix}");
        for (int i = 0; i < labels.Data.Length; i++)
            if (labels.Data[i] >= ClassCount)
                throw new Siglip2Exception($"{dir}: {prefix} label {i} is {labels.Data[i]}, Fashion-MNIST labels are 0..9; {howToFix}");
        return new FashionMnistImages(part, images.Data, labels.Data);
    }

    /// <summary>The gzip file if present, else the uncompressed one; the gzip name when neither exists (for the error).</summary>
    private static string FindFile(string dir, string stem)
    {
        string gz = Path.Combine(dir, stem + ".gz");
        if (File.Exists(gz)) return gz;
        string raw = Path.Combine(dir, stem);
        return File.Exists(raw) ? raw : gz;
    }
}
