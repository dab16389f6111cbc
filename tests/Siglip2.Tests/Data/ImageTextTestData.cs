using System.Formats.Tar;
using System.Text;
using SkiaSharp;

namespace Siglip2.Tests.Data;

/// <summary>
/// Tiny image–text datasets written the way their tools write them: WebDataset tar shards laid out like img2dataset's
/// (<c>00000.tar</c> holding <c>000000000.jpg</c>, <c>000000000.txt</c>, <c>000000000.json</c>, …), JSONL and CSV
/// manifests, and folders with sidecar captions. Image i is a real JPEG or PNG whose colours depend on i.
/// </summary>
internal static class ImageTextTestData
{
    public static string Caption(int index) => $"a photo of item {index}";

    /// <summary>A 20×14 image (size varies a little with the index) with a gradient coloured by the index, encoded by SkiaSharp.</summary>
    public static byte[] Image(int index, SKEncodedImageFormat format = SKEncodedImageFormat.Jpeg)
    {
        int width = 20 + index % 5, height = 14 + index % 3;
        using var bitmap = new SKBitmap(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque);
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                bitmap.SetPixel(x, y, new SKColor((byte)(index * 40 + x * 9), (byte)(y * 15 + index * 7), (byte)(255 - index * 23 - x * 3)));
        using var data = bitmap.Encode(format, 95);
        return data.ToArray();
    }

    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    /// <summary>Writes a tar of the given members in order (PAX, as Python's tarfile writes by default).</summary>
    public static void WriteTar(string path, IEnumerable<(string Name, byte[] Data)> members)
    {
        using var file = File.Create(path);
        using var writer = new TarWriter(file, TarEntryFormat.Pax, leaveOpen: false);
        foreach (var (name, data) in members)
            writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(data) });
    }

    /// <summary>img2dataset's key of sample j of shard s: the shard number then the index, 9 digits.</summary>
    public static string Key(int shard, int j) => $"{shard:00000}{j:0000}";

    /// <summary>
    /// Writes <paramref name="sizes"/>.Length shards <c>00000.tar</c>, … into <paramref name="folder"/>; shard s holds
    /// sizes[s] samples (jpg + txt + json with a <c>lang</c>); sample numbers run on across shards. Returns key → number.
    /// </summary>
    public static Dictionary<string, int> WriteShards(string folder, params int[] sizes)
    {
        var keys = new Dictionary<string, int>();
        int number = 0;
        for (int s = 0; s < sizes.Length; s++)
        {
            var members = new List<(string, byte[])>();
            for (int j = 0; j < sizes[s]; j++, number++)
            {
                string key = Key(s, j);
                keys[key] = number;
                members.Add(($"{key}.jpg", Image(number)));
                members.Add(($"{key}.txt", Utf8(Caption(number))));
                members.Add(($"{key}.json", Utf8($"{{\"key\": \"{key}\", \"lang\": \"{(number % 2 == 0 ? "en" : "de")}\", \"width\": 20}}")));
            }
            WriteTar(Path.Combine(folder, $"{s:00000}.tar"), members);
        }
        return keys;
    }

    /// <summary>Writes images <c>img/i.png</c> with captions <c>img/i.txt</c> under <paramref name="folder"/> (some in a subfolder).</summary>
    public static Dictionary<string, int> WriteCaptionedFolder(string folder, int count)
    {
        var keys = new Dictionary<string, int>();
        for (int i = 0; i < count; i++)
        {
            string relative = i % 3 == 0 ? $"sub/deeper/{i:000}" : $"{i:000}";
            string path = Path.Combine(folder, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(path + (i % 2 == 0 ? ".png" : ".jpg"), Image(i, i % 2 == 0 ? SKEncodedImageFormat.Png : SKEncodedImageFormat.Jpeg));
            File.WriteAllText(path + ".txt", Caption(i) + "\n");
            keys[relative] = i;
        }
        return keys;
    }

    /// <summary>The number in a caption written by <see cref="Caption"/>.</summary>
    public static int NumberOf(string caption) => int.Parse(caption[(caption.LastIndexOf(' ') + 1)..]);
}
