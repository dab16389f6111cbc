using Siglip2.Data;
using static Siglip2.Tests.Data.ImageTextTestData;

namespace Siglip2.Tests.Data;

/// <summary>
/// Randomly damaged shards and manifests (seeded byte flips, insertions and truncations): reading them never throws;
/// whatever is read is a sample that was written, or a sample whose damaged bytes still form one.
/// </summary>
public sealed class HostileDataTests
{
    private static byte[] Mutate(byte[] original, Random random, byte[] alphabet)
    {
        var bytes = new List<byte>(original);
        int edits = random.Next(1, 12);
        for (int e = 0; e < edits && bytes.Count > 0; e++)
        {
            int at = random.Next(bytes.Count);
            switch (random.Next(4))
            {
                case 0: bytes[at] = alphabet.Length > 0 ? alphabet[random.Next(alphabet.Length)] : (byte)random.Next(256); break;
                case 1: bytes.Insert(at, alphabet.Length > 0 ? alphabet[random.Next(alphabet.Length)] : (byte)random.Next(256)); break;
                case 2: bytes.RemoveAt(at); break;
                default: bytes.RemoveRange(at, bytes.Count - at); break;
            }
        }
        return bytes.ToArray();
    }

    [Fact]
    public void Damaged_tar_shards_are_read_without_an_exception()
    {
        using var dir = new TempDirectory();
        string clean = dir.File("clean.tar");
        WriteTar(clean, Enumerable.Range(0, 6).SelectMany(i => new[]
        {
            ($"{i:000}.jpg", Image(i)), ($"{i:000}.txt", Utf8(Caption(i))), ($"{i:000}.json", Utf8($"{{\"lang\": \"en\", \"i\": {i}}}")),
        }));
        byte[] original = File.ReadAllBytes(clean);
        var random = new Random(1234);
        string damaged = dir.File("damaged.tar");
        int readSome = 0;
        for (int round = 0; round < 60; round++)
        {
            File.WriteAllBytes(damaged, Mutate(original, random, []));
            var skips = new DataSkipCounts();
            var records = new WebDatasetShard(damaged).ReadRecords(skips).ToList();
            if (records.Count > 0) readSome++;
            foreach (var r in records)
            {
                Assert.False(string.IsNullOrWhiteSpace(r.Text));
                try
                {
                    _ = r.Image.ReadBytes(ImageTextDataLimits.Default.MaxImageBytes); // within the file, or a one-line error
                }
                catch (Siglip2Exception e)
                {
                    Assert.DoesNotContain('\n', e.Message);
                }
            }
        }
        Assert.True(readSome > 10, $"only {readSome} of 60 damaged shards gave any sample: the damage is too coarse to test partial reads");
    }

    [Fact]
    public void Damaged_manifests_are_read_without_an_exception()
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(dir.File("images"));
        for (int i = 0; i < 3; i++) File.WriteAllBytes(Path.Combine(dir.Path, "images", $"{i}.jpg"), Image(i));
        byte[] csv = Utf8("image,text,lang\n" + string.Concat(Enumerable.Range(0, 12).Select(i => $"images/{i % 3}.jpg,\"caption, {i}\",en\n")));
        byte[] jsonl = Utf8(string.Concat(Enumerable.Range(0, 12).Select(i => $"{{\"image\": \"images/{i % 3}.jpg\", \"text\": \"caption {i}\"}}\n")));
        byte[] alphabet = Utf8("\",\n\r{}[]:\\ aé\u0000");
        var random = new Random(99);
        for (int round = 0; round < 60; round++)
        {
            foreach (var (name, original) in new[] { ("m.csv", csv), ("m.jsonl", jsonl) })
            {
                string path = dir.File(name);
                File.WriteAllBytes(path, Mutate(original, random, alphabet));
                ImageTextDataSpec spec;
                try
                {
                    spec = ImageTextDataSpec.Parse(path);
                }
                catch (Siglip2Exception e) // a CSV whose header lost its image or text column: the user's mistake, said in one line
                {
                    Assert.DoesNotContain('\n', e.Message);
                    continue;
                }
                var skips = new DataSkipCounts();
                foreach (var r in spec.Shards.SelectMany(s => s.ReadRecords(skips)))
                    Assert.True(File.Exists(r.Image.Path));
            }
        }
    }
}
