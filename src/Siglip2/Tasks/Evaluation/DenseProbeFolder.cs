using Siglip2.Configuration;
using Siglip2.Processing.Images;

namespace Siglip2.Tasks.Evaluation;

/// <summary>
/// A user's dataset for the dense probes (docs/evaluation.md): images (<c>NAME.jpg|jpeg|png</c>) each with a depth map
/// <c>NAME.depth.png</c> beside it — a 16-bit grayscale PNG in millimetres, 0 where the depth is unknown (the NYUv2
/// convention of most exports) — and/or a label map <c>NAME.label.png</c> (8-bit class ids, 255 = ignore). With <c>train/</c> and <c>test/</c> sub-folders those are the splits; otherwise the
/// images, sorted by name, split 60 / 40. Images with neither map, and files that cannot be read, are skipped and
/// counted (<see cref="Skipped"/>).
/// </summary>
public sealed class DenseProbeFolder
{
    public const string DepthSuffix = ".depth.png";
    public const string LabelSuffix = ".label.png";
    private static readonly string[] ImageExtensions = [".jpg", ".jpeg", ".png"];

    public IReadOnlyList<DenseProbeImage> Train { get; }
    public IReadOnlyList<DenseProbeImage> Test { get; }
    public IReadOnlyList<string> Skipped { get; }

    private DenseProbeFolder(List<DenseProbeImage> train, List<DenseProbeImage> test, List<string> skipped) =>
        (Train, Test, Skipped) = (train, test, skipped);

    public static DenseProbeFolder Load(string folder)
    {
        if (!Directory.Exists(folder)) throw new Siglip2Exception($"probe data folder not found: {folder}");
        var skipped = new List<string>();
        string train = Path.Combine(folder, "train"), test = Path.Combine(folder, "test");
        if (Directory.Exists(train) && Directory.Exists(test))
            return new DenseProbeFolder(Read(train, skipped), Read(test, skipped), skipped);
        var all = Read(folder, skipped);
        int cut = (int)Math.Round(all.Count * 0.6);
        return new DenseProbeFolder(all.Take(cut).ToList(), all.Skip(cut).ToList(), skipped);
    }

    private static List<DenseProbeImage> Read(string folder, List<string> skipped)
    {
        var items = new List<DenseProbeImage>();
        foreach (string path in Directory.EnumerateFiles(folder).Order(StringComparer.Ordinal))
        {
            string name = Path.GetFileName(path);
            if (name.EndsWith(DepthSuffix, StringComparison.OrdinalIgnoreCase) || name.EndsWith(LabelSuffix, StringComparison.OrdinalIgnoreCase)
                || !ImageExtensions.Contains(Path.GetExtension(name).ToLowerInvariant())) continue;
            string depthPath = Path.Combine(folder, Path.GetFileNameWithoutExtension(name) + DepthSuffix);
            string labelPath = Path.Combine(folder, Path.GetFileNameWithoutExtension(name) + LabelSuffix);
            if (!File.Exists(depthPath) && !File.Exists(labelPath)) { skipped.Add($"{path}: neither {Path.GetFileName(depthPath)} nor {Path.GetFileName(labelPath)} beside it"); continue; }
            try
            {
                var image = ImageDecoder.DecodeFile(path);
                float[]? depth = null;
                byte[]? labels = null;
                if (File.Exists(depthPath))
                {
                    var (w, h, values, bits) = Png16Reader.ReadFirstChannel(InputFile.ReadAllBytes(depthPath, "depth map", InputLimits.EncodedImageBytes), depthPath);
                    if (bits != 16) throw new Siglip2Exception($"{depthPath}: an {bits}-bit PNG; depth maps are 16-bit millimetres");
                    if (w != image.Width || h != image.Height)
                        throw new Siglip2Exception($"{depthPath} is {w}x{h} but {name} is {image.Width}x{image.Height}; a depth map has the image's size");
                    depth = values.Select(v => v / 1000f).ToArray();
                }
                if (File.Exists(labelPath))
                {
                    var (w, h, values, bits) = Png16Reader.ReadFirstChannel(InputFile.ReadAllBytes(labelPath, "label map", InputLimits.EncodedImageBytes), labelPath);
                    if (bits != 8) throw new Siglip2Exception($"{labelPath}: a {bits}-bit PNG; label maps are 8-bit class ids (255 = ignore)");
                    if (w != image.Width || h != image.Height)
                        throw new Siglip2Exception($"{labelPath} is {w}x{h} but {name} is {image.Width}x{image.Height}; a label map has the image's size");
                    labels = values.Select(v => (byte)v).ToArray();
                }
                items.Add(new DenseProbeImage(image, depth, labels, path));
            }
            catch (Exception e) when (e is Siglip2Exception or IOException)
            {
                skipped.Add($"{path}: {MessageText.OneLine(e.Message)}");
            }
        }
        return items;
    }
}
