using Siglip2.Checkpoints;
using Siglip2.Training;

namespace Siglip2.Tests.Training;

/// <summary>
/// A checkpoint save killed at any point leaves a consistent checkpoint: before the staged training state exists the
/// old checkpoint stays (the partial staging folder is dropped), afterwards the new one is completed — never weights of
/// one step with the optimizer state or step count of another.
/// </summary>
public class CheckpointStagingTests
{
    private static TrainingOptions Options() => new() { Seed = 5, Schedule = new LearningRateSchedule(3e-3, 1, 20) };

    private static byte[] Weights(string folder) => File.ReadAllBytes(Path.Combine(folder, CheckpointLoader.SingleFileName));

    [Fact]
    public void ASaveLeavesNoStagingAndAnInterruptedOneIsDroppedOrCompleted()
    {
        using var tmp = new TempDirectory();
        string folder = tmp.File("run"), later = tmp.File("later");
        var source = new RandomBatchSource(TinyModels.Fixed(), 8, seed: 2);
        using (var trainer = Trainer.FromScratch(TinyModels.Fixed(), Options()))
        {
            trainer.Train(source, untilStep: 2);
            trainer.SaveCheckpoint(folder);
            Assert.False(Directory.Exists(Path.Combine(folder, Trainer.StagingFolderName)));
            trainer.Train(source, untilStep: 3);
            trainer.SaveCheckpoint(later); // what the next save of `folder` would have written
        }
        byte[] step2 = Weights(folder), step3 = Weights(later);
        Assert.NotEqual(step2, step3);

        // killed while writing the staged files (no staged state yet): the old checkpoint stays
        string staging = Path.Combine(folder, Trainer.StagingFolderName);
        Directory.CreateDirectory(staging);
        File.WriteAllBytes(Path.Combine(staging, CheckpointLoader.SingleFileName), [1, 2, 3]);
        using (var resumed = Trainer.Resume(folder))
            Assert.Equal(2, resumed.Step);
        Assert.False(Directory.Exists(staging));
        Assert.Equal(step2, Weights(folder));

        // killed while moving the staged files into place (the weights already moved, the state not): completed
        Directory.CreateDirectory(staging);
        foreach (string f in Directory.EnumerateFiles(later)) File.Copy(f, Path.Combine(staging, Path.GetFileName(f)));
        File.Move(Path.Combine(staging, CheckpointLoader.SingleFileName), Path.Combine(folder, CheckpointLoader.SingleFileName), overwrite: true);
        using (var resumed = Trainer.Resume(folder))
        {
            Assert.Equal(3, resumed.Step);
            using var fresh = Trainer.Resume(later);
            foreach (var (name, p) in resumed.Model.named_parameters())
                Assert.True(p.SameAs(fresh.Model.named_parameters().Single(q => q.name == name).parameter), name);
        }
        Assert.Equal(step3, Weights(folder));
        Assert.False(Directory.Exists(staging));
    }
}
