using Siglip2.Checkpoints;
using Siglip2.Hub;
using Siglip2.Tasks;
using Siglip2.Tests.Reliability;

namespace Siglip2.Tests.Hub;

/// <summary>
/// The Hub client against a fake Hub on loopback (<see cref="FakeHub"/>): the huggingface_hub cache layout, the
/// token kept from the LFS host, reuse of a cache, resume after a dropped connection, retries, and every error case.
/// </summary>
public class HubDownloadTests
{
    private const string Repo = "google/siglip-tiny";

    private static HubSettings Settings(FakeHub hub, TempDirectory tmp, string? token = "hf_test_token", bool offline = false, double timeout = 5) => new()
    {
        Endpoint = hub.Endpoint,
        Token = token,
        CacheDirectory = tmp.File("hub"),
        Offline = offline,
        EtagTimeout = TimeSpan.FromSeconds(timeout),
        DownloadTimeout = TimeSpan.FromSeconds(timeout),
        MaxAttempts = 3,
        RetryDelay = TimeSpan.FromMilliseconds(20),
    };

    private static async Task<FakeHub> HubWithTiny(bool gated = false)
    {
        var hub = await FakeHub.StartAsync();
        hub.AddRepo(Repo, FixturePaths.Path("siglip-tiny"), gated);
        return hub;
    }

    [Fact]
    public async Task DownloadsIntoTheHuggingFaceCacheLayout()
    {
        await using var hub = await HubWithTiny();
        using var tmp = new TempDirectory();
        var progress = new List<HubDownloadProgress>();
        string folder;
        using (var client = new HubClient(Settings(hub, tmp), new SynchronousProgress(progress.Add)))
            folder = client.DownloadCheckpoint(HubModelId.Parse(Repo));
        string commit = hub.Repos[Repo].Commit;
        string repoFolder = Path.Combine(tmp.File("hub"), "models--google--siglip-tiny");
        Assert.Equal(Path.Combine(repoFolder, "snapshots", commit), folder);
        Assert.Equal(commit, File.ReadAllText(Path.Combine(repoFolder, "refs", "main")));
        // snapshots hold relative links to blobs named by etag: sha256 for LFS files, the git blob id for the others
        foreach (var (name, data) in hub.Repos[Repo].Files.Where(f => f.Key is "config.json" or "model.safetensors" or "preprocessor_config.json"))
        {
            var link = new FileInfo(Path.Combine(folder, name));
            string etag = name.EndsWith(".safetensors") ? FakeHub.Sha256(data) : FakeHub.GitBlobId(data);
            Assert.Equal($"../../blobs/{etag}", link.LinkTarget);
            Assert.Equal(data, File.ReadAllBytes(link.FullName));
        }
        // only what a checkpoint needs: not expected.safetensors, manifest.json or the images
        Assert.False(File.Exists(Path.Combine(folder, "expected.safetensors")));
        Assert.False(File.Exists(Path.Combine(folder, "manifest.json")));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(repoFolder, "blobs"), "*.incomplete"));
        // the token went to the Hub, never to the LFS host the redirect named
        Assert.All(hub.Requests.Where(r => r.Host == hub.Endpoint.Authority), r => Assert.Equal("Bearer hf_test_token", r.Authorization));
        var lfs = hub.Requests.Where(r => r.Host == hub.LfsEndpoint.Authority).ToList();
        Assert.NotEmpty(lfs);
        Assert.All(lfs, r => Assert.Null(r.Authorization));
        Assert.Contains(progress, p => p.File == "model.safetensors" && p.Done == p.Total);

        // the model loaded by id is the reference model
        using var model = CheckpointLoader.Load(folder);
        var report = ReferenceVerification.Run(model, FixturePaths.Path("siglip-tiny", "expected.safetensors"), manifestPath: FixturePaths.Path("siglip-tiny", "manifest.json"));
        Assert.True(report.Passed);
    }

    [Fact]
    public async Task ACommitInTheCacheIsUsedWithoutARequestAndBlobsAreReused()
    {
        await using var hub = await HubWithTiny();
        using var tmp = new TempDirectory();
        string commit = hub.Repos[Repo].Commit;
        using (var client = new HubClient(Settings(hub, tmp)))
            client.DownloadCheckpoint(HubModelId.Parse(Repo));
        hub.Requests.Clear();
        using (var client = new HubClient(Settings(hub, tmp)))
            client.DownloadCheckpoint(HubModelId.Parse($"{Repo}@{commit}"));
        Assert.Empty(hub.Requests);
        // a branch is checked online (it may have moved), but no blob is fetched again
        using (var client = new HubClient(Settings(hub, tmp)))
            client.DownloadCheckpoint(HubModelId.Parse(Repo));
        Assert.DoesNotContain(hub.Requests, r => r.Method == "GET" && r.Path.Contains("/resolve/"));
        Assert.DoesNotContain(hub.Requests, r => r.Host == hub.LfsEndpoint.Authority);
    }

    /// <summary>A cache laid out by hand exactly as huggingface_hub writes it is reused offline, with no request.</summary>
    [Fact]
    public async Task AHandMadeHuggingFaceCacheIsReusedOffline()
    {
        await using var hub = await HubWithTiny();
        using var tmp = new TempDirectory();
        string commit = "0123456789abcdef0123456789abcdef01234567";
        string repoFolder = Path.Combine(tmp.File("hub"), "models--google--siglip-tiny");
        Directory.CreateDirectory(Path.Combine(repoFolder, "blobs"));
        Directory.CreateDirectory(Path.Combine(repoFolder, "refs"));
        Directory.CreateDirectory(Path.Combine(repoFolder, "snapshots", commit));
        File.WriteAllText(Path.Combine(repoFolder, "refs", "main"), commit);
        foreach (string name in new[] { "config.json", "model.safetensors", "preprocessor_config.json" })
        {
            byte[] data = File.ReadAllBytes(FixturePaths.Path("siglip-tiny", name));
            string etag = name.EndsWith(".safetensors") ? FakeHub.Sha256(data) : FakeHub.GitBlobId(data);
            File.WriteAllBytes(Path.Combine(repoFolder, "blobs", etag), data);
            File.CreateSymbolicLink(Path.Combine(repoFolder, "snapshots", commit, name), $"../../blobs/{etag}");
        }
        using var client = new HubClient(Settings(hub, tmp, offline: true));
        Assert.Equal(Path.Combine(repoFolder, "snapshots", commit), client.DownloadCheckpoint(HubModelId.Parse(Repo)));
        Assert.Empty(hub.Requests);
        // offline without a copy is a clear error
        var e = Assert.Throws<Siglip2Exception>(() => client.DownloadCheckpoint(HubModelId.Parse("google/other-model")));
        Assert.Contains("HF_HUB_OFFLINE", e.Message);
        Assert.Contains("no copy", e.Message);
    }

    [Fact]
    public async Task ADroppedConnectionResumesWithRangeAndA503IsRetried()
    {
        await using var hub = await HubWithTiny();
        using var tmp = new TempDirectory();
        hub.DropNextLfsDownloadsAfterBytes = 300_000;
        hub.DropCount = 2;
        hub.FailNextRequests = 1;
        string folder;
        using (var client = new HubClient(Settings(hub, tmp)))
            folder = client.DownloadCheckpoint(HubModelId.Parse(Repo));
        Assert.Equal(File.ReadAllBytes(FixturePaths.Path("siglip-tiny", "model.safetensors")), File.ReadAllBytes(Path.Combine(folder, "model.safetensors")));
        // two resumes, each from where the partial file ended (an aborted connection may lose what was in flight, so
        // the offsets are not exact multiples of the bytes sent)
        var offsets = hub.Requests.Where(r => r.Host == hub.LfsEndpoint.Authority && r.Range is not null)
            .Select(r => long.Parse(r.Range!["bytes=".Length..].TrimEnd('-'))).ToList();
        Assert.Equal(2, offsets.Count);
        Assert.True(offsets[0] > 0 && offsets[0] <= 300_000 && offsets[1] > offsets[0] && offsets[1] <= 600_000, string.Join(", ", offsets));
    }

    [Fact]
    public async Task AChecksumMismatchLeavesNothingInTheSnapshot()
    {
        await using var hub = await HubWithTiny();
        using var tmp = new TempDirectory();
        hub.CorruptLfs = true;
        using var client = new HubClient(Settings(hub, tmp));
        var e = Assert.Throws<Siglip2Exception>(() => client.DownloadCheckpoint(HubModelId.Parse(Repo)));
        Assert.Contains("checksum mismatch", e.Message);
        string repoFolder = Path.Combine(tmp.File("hub"), "models--google--siglip-tiny");
        Assert.False(File.Exists(Path.Combine(repoFolder, "snapshots", hub.Repos[Repo].Commit, "model.safetensors")));
        Assert.DoesNotContain(Directory.EnumerateFiles(Path.Combine(repoFolder, "blobs")), f => f.Contains(FakeHub.Sha256(hub.Repos[Repo].Files["model.safetensors"])));
    }

    [Fact]
    public async Task GatedUnknownAndMissingAreOneLineErrors()
    {
        await using var hub = await HubWithTiny(gated: true);
        using var tmp = new TempDirectory();
        using (var anonymous = new HubClient(Settings(hub, tmp, token: null)))
        {
            var e = Assert.Throws<Siglip2Exception>(() => anonymous.DownloadCheckpoint(HubModelId.Parse(Repo)));
            Assert.Contains("gated", e.Message);
            Assert.Contains("accept its licence", e.Message);
            Assert.Contains("HF_TOKEN", e.Message);
            Assert.False(Directory.Exists(Path.Combine(tmp.File("hub"), "models--google--siglip-tiny", "snapshots")));
        }
        using var client = new HubClient(Settings(hub, tmp));
        Assert.Contains("repository not found", Assert.Throws<Siglip2Exception>(() => client.DownloadCheckpoint(HubModelId.Parse("google/no-such-model"))).Message);
        Assert.Contains("revision 'v9' not found", Assert.Throws<Siglip2Exception>(() => client.DownloadCheckpoint(HubModelId.Parse($"{Repo}@v9"))).Message);
        Assert.Contains("no such file", Assert.Throws<Siglip2Exception>(() => client.DownloadFile(HubModelId.Parse(Repo), "nope.json")).Message);
        // a repository without safetensors weights
        hub.AddRepo("google/no-weights", FixturePaths.Path("siglip-tiny"), only: ["config.json"]);
        Assert.Contains("has no model.safetensors", Assert.Throws<Siglip2Exception>(() => client.DownloadCheckpoint(HubModelId.Parse("google/no-weights"))).Message);
    }

    /// <summary>
    /// A full disk (a 512 KiB tmpfs as the cache; the weights are 1 MB) is one clear line, not a retry storm, and
    /// leaves the weights out of snapshots/. Needs mount(8) rights (root, as on the CI machine); without them the
    /// test says so and checks nothing else.
    /// </summary>
    [Fact]
    public async Task AFullDiskIsOneClearError()
    {
        await using var hub = await HubWithTiny();
        using var tmp = new TempDirectory();
        string cache = tmp.File("small-disk");
        Directory.CreateDirectory(cache);
        if (!Mount("mount", $"-t tmpfs -o size=512k tmpfs {cache}"))
        {
            Console.WriteLine("AFullDiskIsOneClearError: cannot mount a tmpfs here (not root); not checked");
            return;
        }
        try
        {
            using var client = new HubClient(Settings(hub, tmp) with { CacheDirectory = cache });
            var e = Assert.Throws<Siglip2Exception>(() => client.DownloadCheckpoint(HubModelId.Parse(Repo)));
            Assert.Contains("disk full", e.Message);
            Assert.Contains("HF_HUB_CACHE", e.Message);
            Assert.False(File.Exists(Path.Combine(cache, "models--google--siglip-tiny", "snapshots", hub.Repos[Repo].Commit, "model.safetensors")));
            Assert.Single(hub.Requests, r => r.Host == hub.LfsEndpoint.Authority); // not retried: a full disk stays full
        }
        finally
        {
            Mount("umount", cache);
        }
    }

    private static bool Mount(string command, string arguments)
    {
        try
        {
            using var p = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(command, arguments) { RedirectStandardError = true, RedirectStandardOutput = true })!;
            p.WaitForExit(10_000);
            return p.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception) { return false; }
    }

    [Fact]
    public async Task ASlowHubTimesOutWithAClearMessage()
    {
        await using var hub = await HubWithTiny();
        using var tmp = new TempDirectory();
        hub.Delay = TimeSpan.FromSeconds(3);
        using var client = new HubClient(Settings(hub, tmp, timeout: 0.3) with { MaxAttempts = 2 });
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var e = Assert.Throws<HubUnreachableException>(() => client.DownloadCheckpoint(HubModelId.Parse(Repo)));
        Assert.Contains("timed out", e.Message);
        Assert.Contains("after 2 attempts", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(3), $"took {watch.Elapsed}");
    }

    [Fact]
    public async Task TheCommandLineTakesAHubId()
    {
        await using var hub = await HubWithTiny();
        hub.AddRepo("google/siglip2-naflex-tiny", FixturePaths.Path("siglip2-naflex-tiny"));
        using var tmp = new TempDirectory();
        var saved = new[] { "HF_ENDPOINT", "HF_HUB_CACHE", "HF_TOKEN", "HF_HUB_OFFLINE" }.ToDictionary(v => v, Environment.GetEnvironmentVariable);
        try
        {
            Environment.SetEnvironmentVariable("HF_ENDPOINT", hub.Endpoint.ToString().TrimEnd('/'));
            Environment.SetEnvironmentVariable("HF_HUB_CACHE", tmp.File("hub"));
            Environment.SetEnvironmentVariable("HF_TOKEN", "hf_test_token");
            Environment.SetEnvironmentVariable("HF_HUB_OFFLINE", null);
            var r = CliRun.Main("verify", "--model", Repo, "--expected", FixturePaths.Path("siglip-tiny", "expected.safetensors"));
            Assert.True(r.ExitCode == 0, r.StdErr + r.StdOut);
            Assert.Contains("downloading google/siglip-tiny/model.safetensors", r.StdErr); // plain progress lines off a terminal
            // the NaFlex layout by id, pinned to its commit
            string naflex = $"google/siglip2-naflex-tiny@{hub.Repos["google/siglip2-naflex-tiny"].Commit}";
            r = CliRun.Main("verify", "--model", naflex, "--expected", FixturePaths.Path("siglip2-naflex-tiny", "expected.safetensors"));
            Assert.True(r.ExitCode == 0, r.StdErr + r.StdOut);
            var bad = CliRun.Main("verify", "--model", "google/no-such-model");
            Assert.Equal(1, bad.ExitCode);
            Assert.Contains("repository not found", bad.OneLineError());
            // offline, the cached copy serves
            Environment.SetEnvironmentVariable("HF_HUB_OFFLINE", "1");
            hub.Requests.Clear();
            Assert.Equal(0, CliRun.Main("verify", "--model", Repo, "--expected", FixturePaths.Path("siglip-tiny", "expected.safetensors")).ExitCode);
            Assert.Empty(hub.Requests);
        }
        finally
        {
            foreach (var (k, v) in saved) Environment.SetEnvironmentVariable(k, v);
        }
    }

    [Theory]
    [InlineData("google/siglip2-base-patch16-224", "google/siglip2-base-patch16-224", "main")]
    [InlineData("google/siglip2-base-patch16-224@v1.0", "google/siglip2-base-patch16-224", "v1.0")]
    [InlineData("org/name@refs/pr/3", "org/name", "refs/pr/3")]
    public void ParsesIds(string text, string repo, string revision)
    {
        var id = HubModelId.Parse(text);
        Assert.Equal(repo, id.Repo);
        Assert.Equal(revision, id.Revision);
    }

    [Theory]
    [InlineData("no-slash")]
    [InlineData("a/b/c")]
    [InlineData("../etc")]
    [InlineData("org/..")]
    [InlineData("org/name@")]
    public void RejectsWhatIsNoId(string text) => Assert.Throws<Siglip2Exception>(() => HubModelId.Parse(text));

    private sealed class SynchronousProgress(Action<HubDownloadProgress> report) : IProgress<HubDownloadProgress>
    {
        public void Report(HubDownloadProgress value) => report(value);
    }
}
