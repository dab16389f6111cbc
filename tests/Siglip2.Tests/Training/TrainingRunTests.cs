using Siglip2.Cli;
using Siglip2.Cli.Commands;
using Siglip2.Data;
using Siglip2.Processing.Images;
using Siglip2.Processing.Text;
using Siglip2.Tasks;
using Siglip2.Tasks.Evaluation;
using Siglip2.Training;

namespace Siglip2.Tests.Training;

/// <summary>The FashionScenes run end to end on the smoke preset: data → tokenizer → training → HF checkpoint → inference.</summary>
public class TrainingRunTests
{
    private static readonly TrainingRecipe Smoke = TrainingRecipe.Get("smoke") with { Steps = 8, BatchSize = 16 };

    private static List<double> Losses(string folder) =>
        File.ReadLines(Path.Combine(folder, RunFolder.LossLogFileName)).Skip(1)
            .Select(l => double.Parse(l.Split(',')[1], System.Globalization.CultureInfo.InvariantCulture)).ToList();

    [Fact]
    public void SmokeRunWritesACheckpointTheInferenceCommandsLoad()
    {
        using var tmp = new TempDirectory();
        var result = TrainingRun.Execute(new TrainingRunOptions { Recipe = Smoke, OutputFolder = tmp.Path });
        Assert.Equal(8, result.LastStep);
        foreach (var f in new[] { "config.json", "model.safetensors", "tokenizer.model", "tokenizer_config.json", "preprocessor_config.json", "training_state.json", "optimizer.bin" })
            Assert.True(File.Exists(tmp.File(f)), f);
        Assert.Equal(8, Losses(tmp.Path).Count);

        // the inference path loads it unchanged
        var samples = new List<string>();
        var test = FashionMnist.LoadPart(FashionMnistPart.Test);
        Assert.Equal(0, Program.Execute(new ClassifyCommand(), ["--model", tmp.Path, "--image", FixturePaths.Path("siglip-tiny", "image_0_45x30.png"), "--labels", "sneaker,bag,dress", "--json"]));
        Assert.Equal(0, Program.Execute(new EmbedCommand(), ["--model", tmp.Path, "--text", "ein roter Turnschuh", "--text", "一个红色的包", "--json"]));
        using var pipeline = EmbeddingPipeline.Load(tmp.Path);
        var zs = ZeroShotClassification.Run(pipeline, test, ["en", "ja"], limit: 64);
        Assert.All(zs, z => Assert.InRange(z.Top1, 0, 1));
        Assert.Equal(64, zs[0].Images);
    }

    [Fact]
    public void ResumedRunContinuesTheSameLossCurve()
    {
        using var straight = new TempDirectory();
        using var split = new TempDirectory();
        TrainingRun.Execute(new TrainingRunOptions { Recipe = Smoke, OutputFolder = straight.Path });
        TrainingRun.Execute(new TrainingRunOptions { Recipe = Smoke, OutputFolder = split.Path, MaxSteps = 4 });
        Assert.Equal(4, Losses(split.Path).Count);
        var e = Assert.Throws<Siglip2Exception>(() => TrainingRun.Execute(new TrainingRunOptions { Recipe = Smoke, OutputFolder = split.Path }));
        Assert.Contains("--resume", e.Message);
        TrainingRun.Execute(new TrainingRunOptions { Recipe = Smoke, OutputFolder = split.Path, Resume = true });
        var a = Losses(straight.Path);
        var b = Losses(split.Path);
        Assert.Equal(a.Count, b.Count);
        Assert.Equal(a, b);   // bitwise: the loss log prints round-trip values
    }

    [Fact]
    public void BatchesDependOnlyOnTheStep()
    {
        var data = FashionMnist.Load();
        var scenes = new FashionScenes(data, Smoke.Scenes with { Seed = 3 }, SceneSplit.Train);
        var images = ImageProcessorFactory.Create(Siglip2.Configuration.PreprocessorConfig.Parse(Smoke.PreprocessorConfigJson(), "recipe"));
        var text = new SiglipTextProcessor(SentencePieceBpeTokenizer.Load(FixturePaths.Path("tokenizer", "spm-gemma-like.model")), new SiglipTextSettings(Length: 24));
        using var first = new FashionScenesBatchSource(scenes, images, text, 8);
        using var second = new FashionScenesBatchSource(scenes, images, text, 8);
        using var a5 = first.GetBatch(5);
        using var a6 = first.GetBatch(6);
        using var b5 = second.GetBatch(5);
        Assert.True(a5.PixelValues.eq(b5.PixelValues).all().item<bool>());
        Assert.True(a5.InputIds.eq(b5.InputIds).all().item<bool>());
        Assert.False(a5.PixelValues.eq(a6.PixelValues).all().item<bool>());
        Assert.Equal([8L, 3L, 28L, 28L], a5.PixelValues.shape);
        Assert.Equal([8L, 24L], a5.InputIds.shape);
    }

    [Fact]
    public void BadTrainingInputsGiveOneLineErrors()
    {
        Assert.Equal(1, Program.Execute(new TrainCommand(), ["--preset", "huge", "--output", "/tmp/x"]));
        Assert.Equal(2, Program.Execute(new TrainCommand(), ["--preset", "smoke"]));
        using var tmp = new TempDirectory();
        Assert.Equal(1, Program.Execute(new TrainCommand(), ["--preset", "smoke", "--output", tmp.Path, "--resume"]));
        Assert.Equal(1, Program.Execute(new TrainCommand(), ["--preset", "smoke", "--output", tmp.File("o"), "--data", "/no/such/data"]));
    }
}
