using System.Diagnostics;
using System.Text.Json.Nodes;
using Siglip2.Checkpoints;
using Siglip2.Search;
using Siglip2.Tests.Reliability;

namespace Siglip2.Tests.Search;

/// <summary>
/// `siglip2 index` and `search` on the tiny fixture: embeddings equal the reference, reruns are incremental, bad
/// files are recorded and skipped, models are not mixed, a kill -9 mid-run is finished by a rerun, and image
/// queries find their image.
/// </summary>
public class ImageIndexTests
{
    private static string Fixture => FixturePaths.Path("siglip-tiny");
    private static string[] FixtureImages => Directory.EnumerateFiles(Fixture, "*.png").Order(StringComparer.Ordinal).ToArray();

    private static float[][] ReferenceImageEmbeds()
    {
        using var f = SafeTensorsFile.Open(Path.Combine(Fixture, "expected.safetensors"));
        using var t = f.ReadTensor("image_embeds");
        return Enumerable.Range(0, (int)t.shape[0]).Select(i => t[i].data<float>().ToArray()).ToArray();
    }

    private static string Photos(TempDirectory tmp)
    {
        string photos = tmp.File("photos");
        Directory.CreateDirectory(Path.Combine(photos, "nested"));
        foreach (string f in FixtureImages) File.Copy(f, Path.Combine(photos, Path.GetFileName(f)));
        File.Copy(FixtureImages[1], Path.Combine(photos, "nested", "copy.png"));
        File.WriteAllBytes(Path.Combine(photos, "broken.jpg"), [0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3]);
        File.WriteAllText(Path.Combine(photos, "notes.txt"), "not an image");
        return photos;
    }

    [Fact]
    public void IndexesIncrementallyAndRecordsBadFiles()
    {
        using var tmp = new TempDirectory();
        string photos = Photos(tmp), db = tmp.File("photos.db");
        var r = CliRun.Main("index", photos, "--db", db, "--model", Fixture, "--json");
        Assert.True(r.ExitCode == 0, r.StdErr);
        var report = JsonNode.Parse(r.StdOut)!;
        Assert.Equal(5, (int)report["files"]!);
        Assert.Equal(4, (int)report["embedded"]!);
        Assert.Single(report["failures"]!.AsArray());

        double atol = Siglip2.Tasks.ReferenceVerification.ReadManifestTolerances(Path.Combine(Fixture, "manifest.json"))["image_embeds"];
        var reference = ReferenceImageEmbeds();
        using (var store = ImageIndexStore.Open(db, create: false))
        {
            var rows = store.ReadAll().ToDictionary(x => Path.GetRelativePath(photos, x.Path));
            Assert.Equal(5, rows.Count);
            for (int i = 0; i < FixtureImages.Length; i++)
            {
                var row = rows[Path.GetFileName(FixtureImages[i])];
                Assert.True(row.Embedding!.Zip(reference[i], (a, b) => Math.Abs(a - b)).Max() <= atol);
                Assert.Equal(Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(FixtureImages[i]))).ToLowerInvariant(), row.Sha256);
            }
            // the same image elsewhere in a batch: equal within float rounding
            Assert.True(rows[Path.GetFileName(FixtureImages[1])].Embedding!.Zip(rows[Path.Combine("nested", "copy.png")].Embedding!, (a, b) => Math.Abs(a - b)).Max() <= atol);
            var broken = rows["broken.jpg"];
            Assert.Null(broken.Embedding);
            Assert.Contains("not a readable image", broken.Error);
            Assert.Equal(Fixture, store.GetMeta("model"));
        }

        // a rerun embeds nothing; a changed file is embedded again and a deleted one dropped
        report = JsonNode.Parse(CliRun.Main("index", photos, "--db", db, "--model", Fixture, "--json").StdOut)!;
        Assert.Equal(0, (int)report["embedded"]!);
        Assert.Equal(5, (int)report["unchanged"]!);
        File.Copy(FixtureImages[2], Path.Combine(photos, Path.GetFileName(FixtureImages[0])), overwrite: true);
        File.SetLastWriteTimeUtc(Path.Combine(photos, Path.GetFileName(FixtureImages[0])), DateTime.UtcNow.AddMinutes(1));
        File.Delete(Path.Combine(photos, "nested", "copy.png"));
        report = JsonNode.Parse(CliRun.Main("index", photos, "--db", db, "--model", Fixture, "--json").StdOut)!;
        Assert.Equal(1, (int)report["embedded"]!);
        Assert.Equal(1, (int)report["removed"]!);
        using (var store = ImageIndexStore.Open(db, create: false))
        {
            var rows = store.ReadAll().ToDictionary(x => Path.GetRelativePath(photos, x.Path));
            Assert.Equal(4, rows.Count);
            Assert.True(rows[Path.GetFileName(FixtureImages[0])].Embedding!.Zip(reference[2], (a, b) => Math.Abs(a - b)).Max() <= atol);
        }

        // another model is refused, --reindex rebuilds
        var other = CliRun.Main("index", photos, "--db", db, "--model", FixturePaths.Path("siglip2-naflex-tiny"));
        Assert.Equal(1, other.ExitCode);
        Assert.Contains("--reindex", other.OneLineError());
        Assert.Equal(0, CliRun.Main("index", photos, "--db", db, "--model", FixturePaths.Path("siglip2-naflex-tiny"), "--reindex").ExitCode);
    }

    [Fact]
    public void SearchByImageFindsTheImage()
    {
        using var tmp = new TempDirectory();
        string photos = Photos(tmp), db = tmp.File("photos.db");
        Assert.Equal(0, CliRun.Main("index", photos, "--db", db, "--model", Fixture).ExitCode);
        var r = CliRun.Main("search", "--db", db, "--image", FixtureImages[2], "--top", "3", "--json");
        Assert.True(r.ExitCode == 0, r.StdErr);
        var hits = JsonNode.Parse(r.StdOut)!.AsArray();
        Assert.Equal(3, hits.Count);
        Assert.Equal(Path.Combine(photos, Path.GetFileName(FixtureImages[2])), (string)hits[0]!["path"]!);
        Assert.True(Math.Abs((float)hits[0]!["score"]! - 1) < 1e-5);
        // the scores are the cosines of the reference embeddings
        var reference = ReferenceImageEmbeds();
        foreach (var hit in hits)
        {
            string name = Path.GetFileName((string)hit!["path"]!);
            int i = name == "copy.png" ? 1 : Array.FindIndex(FixtureImages, f => Path.GetFileName(f) == name);
            double cosine = reference[i].Zip(reference[2], (a, b) => (double)a * b).Sum();
            Assert.True(Math.Abs((float)hit["score"]! - cosine) < 1e-4, $"{name}: {(float)hit["score"]!} vs {cosine}");
        }
        Assert.Equal(1, CliRun.Main("search", "--db", tmp.File("missing.db"), "--image", FixtureImages[0]).ExitCode);
        Assert.Equal(2, CliRun.Main("search", "--db", db).ExitCode);
    }

    /// <summary>Two shards (one by --shard, one by OpenMPI's rank variables) merged equal an unsharded run, row for row.</summary>
    [Fact]
    public void ShardsMergedEqualAnUnshardedIndex()
    {
        using var tmp = new TempDirectory();
        string photos = tmp.File("photos");
        Directory.CreateDirectory(photos);
        for (int i = 0; i < 12; i++) File.Copy(FixtureImages[i % 3], Path.Combine(photos, $"img{i:D2}.png"));
        // batch size 1 everywhere: a row's embedding does not depend on its batch neighbours, so "equal" means bit-equal
        Assert.Equal(0, CliRun.Main("index", photos, "--db", tmp.File("all.db"), "--model", Fixture, "--batch-size", "1").ExitCode);
        Assert.Equal(0, CliRun.Main("index", photos, "--db", tmp.File("p.db"), "--model", Fixture, "--batch-size", "1", "--shard", "0/2").ExitCode);
        var saved = (Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_RANK"), Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_SIZE"));
        try
        {
            Environment.SetEnvironmentVariable("OMPI_COMM_WORLD_RANK", "1");
            Environment.SetEnvironmentVariable("OMPI_COMM_WORLD_SIZE", "2");
            Assert.Equal(0, CliRun.Main("index", photos, "--db", tmp.File("p.db"), "--model", Fixture, "--batch-size", "1").ExitCode);
        }
        finally
        {
            Environment.SetEnvironmentVariable("OMPI_COMM_WORLD_RANK", saved.Item1);
            Environment.SetEnvironmentVariable("OMPI_COMM_WORLD_SIZE", saved.Item2);
        }
        string s0 = tmp.File("p.shard-0-of-2.db"), s1 = tmp.File("p.shard-1-of-2.db");
        int n0, n1;
        using (var a = ImageIndexStore.Open(s0, create: false)) n0 = a.ReadAll().Count;
        using (var b = ImageIndexStore.Open(s1, create: false)) n1 = b.ReadAll().Count;
        Assert.Equal(12, n0 + n1);
        Assert.True(n0 > 0 && n1 > 0, $"{n0} + {n1}");
        var r = CliRun.Main("index", "merge", s0, s1, "--db", tmp.File("merged.db"));
        Assert.True(r.ExitCode == 0, r.StdErr);
        using var all = ImageIndexStore.Open(tmp.File("all.db"), create: false);
        using var merged = ImageIndexStore.Open(tmp.File("merged.db"), create: false);
        var x = all.ReadAll();
        var y = merged.ReadAll();
        Assert.Equal(x.Select(v => (v.Path, v.Size, v.ModifiedTicks, v.Sha256, v.Width, v.Height)), y.Select(v => (v.Path, v.Size, v.ModifiedTicks, v.Sha256, v.Width, v.Height)));
        for (int i = 0; i < x.Count; i++) Assert.Equal(x[i].Embedding, y[i].Embedding);
        Assert.Equal(all.GetMeta("model"), merged.GetMeta("model"));
        // shards of two models are not merged
        Assert.Equal(0, CliRun.Main("index", photos, "--db", tmp.File("q.db"), "--model", FixturePaths.Path("siglip2-naflex-tiny"), "--shard", "0/2").ExitCode);
        Assert.Equal(1, CliRun.Main("index", "merge", s0, tmp.File("q.shard-0-of-2.db"), "--db", tmp.File("bad.db")).ExitCode);
        Assert.Equal(1, CliRun.Main("index", photos, "--db", tmp.File("p.db"), "--model", Fixture, "--shard", "2/2").ExitCode);
    }

    /// <summary>The USearch ANN file gives the exact results on a small index, is used by search, and is ignored once stale.</summary>
    [Fact]
    public void TheAnnIndexMatchesExactSearchAndIsDroppedWhenStale()
    {
        using var tmp = new TempDirectory();
        string photos = Photos(tmp), db = tmp.File("photos.db");
        Assert.Equal(0, CliRun.Main("index", photos, "--db", db, "--model", Fixture).ExitCode);
        Assert.False(File.Exists(AnnIndex.PathFor(db))); // 4 rows: below the threshold, exact search only
        using (var store = ImageIndexStore.Open(db, create: false))
        {
            AnnIndex.Rebuild(store, 64, threshold: 1);
            var rows = store.ReadAll().Where(r => r.Embedding is not null).ToList();
            var exact = new ExactSearch(rows, 64);
            foreach (var row in rows)
            {
                var ann = AnnIndex.TryTop(store, rows, row.Embedding!, 4);
                Assert.NotNull(ann);
                var want = exact.Top(row.Embedding!, 4);
                Assert.Equal(want.Select(h => h.Path).ToHashSet(), ann!.Select(h => h.Path).ToHashSet()); // recall@4 = 1 on 4 rows
                for (int i = 0; i < ann.Count; i++)
                    Assert.True(Math.Abs(ann[i].Score - want.Single(w => w.Path == ann[i].Path).Score) < 1e-5);
            }
        }
        Assert.True(File.Exists(AnnIndex.PathFor(db)));
        var viaAnn = CliRun.Main("search", "--db", db, "--image", FixtureImages[0], "--json");
        var viaExact = CliRun.Main("search", "--db", db, "--image", FixtureImages[0], "--json", "--exact");
        Assert.Equal(JsonNode.Parse(viaExact.StdOut)!.AsArray().Select(h => (string)h!["path"]!).First(), JsonNode.Parse(viaAnn.StdOut)!.AsArray().Select(h => (string)h!["path"]!).First());
        // a later write makes the ANN file stale: it is not used
        using (var store = ImageIndexStore.Open(db, create: false))
        {
            store.Write([], [Path.Combine(photos, "broken.jpg")]);
            Assert.Null(AnnIndex.TryTop(store, store.ReadAll().Where(r => r.Embedding is not null).ToList(), new float[64], 1));
        }
    }

    [Theory]
    [InlineData("a dog", new[] { 1.0 }, new[] { "a dog" })]
    [InlineData("2:golden retriever + pool.jpg - fruit", new[] { 2.0, 1.0, -1.0 }, new[] { "golden retriever", "pool.jpg", "fruit" })]
    [InlineData("black-and-white photo - 0.5:cat", new[] { 1.0, -0.5 }, new[] { "black-and-white photo", "cat" })]
    public void ParsesQueryArithmetic(string query, double[] weights, string[] parts)
    {
        var terms = SearchQuery.Parse(query, p => p.EndsWith(".jpg"));
        Assert.Equal(weights, terms.Select(t => t.Weight));
        Assert.Equal(parts, terms.Select(t => t.Text));
        Assert.Equal(parts.Select(p => p.EndsWith(".jpg")), terms.Select(t => t.IsImage));
        // the combination is the normalised weighted sum
        var e = parts.Select((_, i) => Enumerable.Range(0, 4).Select(j => j == i ? 1f : 0f).ToArray()).ToList();
        var combined = SearchQuery.Combine(terms, e);
        double norm = Math.Sqrt(weights.Sum(w => w * w));
        for (int i = 0; i < parts.Length; i++) Assert.Equal(weights[i] / norm, combined[i], 6);
    }

    /// <summary>kill -9 in the middle of a run, then a rerun: exactly one row per file, none missing.</summary>
    [Fact]
    public void AKilledRunIsFinishedByARerun()
    {
        using var tmp = new TempDirectory();
        string photos = tmp.File("many"), db = tmp.File("many.db");
        Directory.CreateDirectory(photos);
        for (int i = 0; i < 400; i++) File.Copy(FixtureImages[i % 3], Path.Combine(photos, $"img{i:D4}.png"));
        string cli = Path.Combine(AppContext.BaseDirectory, "Siglip2.Cli.dll");
        var info = new ProcessStartInfo("dotnet", $"{cli} index {photos} --db {db} --model {Fixture} --batch-size 1") { RedirectStandardOutput = true, RedirectStandardError = true };
        using (var p = Process.Start(info)!)
        {
            var watch = Stopwatch.StartNew();
            long rows = 0;
            while (watch.Elapsed < TimeSpan.FromSeconds(60) && !p.HasExited)
            {
                Thread.Sleep(50);
                rows = CountRows(db);
                if (rows >= 5) break;
            }
            Assert.False(p.HasExited, "the run finished before it could be killed; use more files");
            p.Kill(entireProcessTree: true); // SIGKILL
            p.WaitForExit();
            Assert.InRange(CountRows(db), 1, 399);
        }
        var r = CliRun.Main("index", photos, "--db", db, "--model", Fixture, "--json");
        Assert.True(r.ExitCode == 0, r.StdErr);
        using var store = ImageIndexStore.Open(db, create: false);
        var all = store.ReadAll();
        Assert.Equal(400, all.Count);
        Assert.Equal(400, all.Select(x => x.Path).Distinct().Count());
        Assert.All(all, x => Assert.NotNull(x.Embedding));
    }

    private static long CountRows(string db)
    {
        if (!File.Exists(db)) return 0;
        try
        {
            using var c = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={db};Mode=ReadOnly");
            c.Open();
            using var q = c.CreateCommand();
            q.CommandText = "SELECT count(*) FROM images";
            return (long)q.ExecuteScalar()!;
        }
        catch (Microsoft.Data.Sqlite.SqliteException) { return 0; }
    }
}
