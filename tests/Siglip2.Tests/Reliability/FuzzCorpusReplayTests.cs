using Siglip2.Fuzz;

namespace Siglip2.Tests.Reliability;

/// <summary>
/// Replays tests/fuzz/&lt;target&gt;/ — the seeds of every bad-input category of issue 10 and every finding of the fuzzing
/// campaigns (scripts/fuzz.sh) — through the fuzz targets: each file must parse or be refused with a one-line
/// <see cref="Siglip2Exception"/>, quickly. Valid seeds must still parse, so the corpus cannot rot into all-refusals.
/// </summary>
public class FuzzCorpusReplayTests
{
    private static readonly string CorpusRoot = Path.Combine(FixturePaths.RepositoryRoot, "tests", "fuzz");

    public static TheoryData<string> Targets() => new(FuzzTargets.All.Select(t => t.Name));

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task EveryCorpusFileIsParsedOrCleanlyRefused(string name)
    {
        var target = FuzzTargets.Get(name);
        string folder = Path.Combine(CorpusRoot, name);
        var files = Directory.EnumerateFiles(folder).Order(StringComparer.Ordinal).ToList();
        Assert.True(files.Count >= 3, $"{folder} holds {files.Count} files");
        var outcomes = new Dictionary<string, FuzzOutcome>();
        foreach (string file in files)
        {
            var run = Task.Run(() => FuzzTargets.Run(target, File.ReadAllBytes(file)));
            if (await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(20))) != run) Assert.Fail($"{name}: {Path.GetFileName(file)} did not finish in 20 s (a hang)");
            outcomes[Path.GetFileName(file)] = await run; // rethrows a crash, naming the exception
        }
        Assert.Contains(FuzzOutcome.Accepted, outcomes.Values);
        Assert.Contains(FuzzOutcome.Refused, outcomes.Values);
        // the crafted bad cases and the findings are refused, never accepted
        foreach (var (file, outcome) in outcomes)
            if (file.StartsWith("finding-", StringComparison.Ordinal) || IsKnownBad(file))
                Assert.True(outcome == FuzzOutcome.Refused, $"{name}: {file} was accepted");
    }

    private static bool IsKnownBad(string file) =>
        !(file.StartsWith("valid", StringComparison.Ordinal) || file.StartsWith("small", StringComparison.Ordinal) || file.StartsWith("tiny", StringComparison.Ordinal)
          || file is "siglip-tiny.json" or "siglip2-naflex-tiny.json" or "fixed224.json" or "naflex256.json" or "gemma256k.json" or "siglip2.json"
          or "spm-gemma-like.model" or "rgba.png" or "gray-alpha16.png" or "exif-rotated.jpg");

    [Fact]
    public void OnlySiglip2ExceptionIsACleanRefusal()
    {
        // the harness itself: any other exception is a finding; a Siglip2Exception is made one line at its root
        var target = new FuzzTarget("t", "test", _ => throw new FormatException("x"));
        Assert.Throws<FormatException>(() => FuzzTargets.Run(target, []));
        Assert.Equal(FuzzOutcome.Refused, FuzzTargets.Run(new FuzzTarget("t", "test", _ => throw new Siglip2Exception("a\nb")), []));
    }
}
