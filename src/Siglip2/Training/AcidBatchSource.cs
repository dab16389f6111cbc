using Siglip2.Data;
using Siglip2.Processing.Images;

namespace Siglip2.Training;

/// <summary>
/// What the selection of one ACID step saw: the super-batch size, how many examples were kept, and the mean
/// per-example sigmoid loss (<see cref="LearnabilitySelection"/>) of learner and teacher over the whole super-batch
/// and over the kept examples (NaN for the uncurated control, which scores nothing).
/// </summary>
public sealed record AcidSelectionStats(int SuperBatch, int Kept, double LearnerLossAll, double LearnerLossKept,
    double TeacherLossAll, double TeacherLossKept)
{
    public double LearnabilityAll => LearnerLossAll - TeacherLossAll;
    public double LearnabilityKept => LearnerLossKept - TeacherLossKept;
}

/// <summary>
/// Training batches of an ACID stage (<see cref="AcidContinuation"/>). Step s draws the super-batch of N =
/// <see cref="SuperBatchSize"/> training scenes first + s·N … first + s·N + N − 1, prepares it twice — with the
/// learner's and with the teacher's own image and text processors, on a background thread while the previous step
/// runs — scores it with both models (the learner as it is at that step) and returns the ⌈N·keep⌉ = B most
/// learnable examples in the learner's format (<see cref="LearnabilitySelection"/>). Without a teacher (the
/// uncurated control) it returns the first B scenes of the same super-batch, unscored: scenes are independent draws,
/// so that is a uniform sample of the same candidate pool, and only the selection rule differs.
/// </summary>
public sealed class AcidBatchSource : ITrainingBatchSource, IDisposable
{
    private readonly FashionScenes _scenes;
    private readonly ScoringCheckpoint _learner;
    private readonly ScoringCheckpoint? _teacher;
    private readonly double _keep;
    private readonly long _firstScene;
    private readonly StepPrefetcher<Prepared> _prefetcher;

    public int BatchSize { get; }
    public int SuperBatchSize { get; }
    public bool Curated => _teacher is not null;
    /// <summary>The selection of the latest <see cref="GetBatch"/>.</summary>
    public AcidSelectionStats? LastSelection { get; private set; }
    public double WaitSeconds => _prefetcher.WaitSeconds;

    public AcidBatchSource(FashionScenes scenes, ScoringCheckpoint learner, ScoringCheckpoint? teacher, int batchSize, double keep, long firstScene)
    {
        if (firstScene < 0) throw new Siglip2Exception($"the first ACID scene must be ≥ 0, got {firstScene}");
        _scenes = scenes; _learner = learner; _teacher = teacher; _keep = keep; _firstScene = firstScene;
        BatchSize = batchSize;
        SuperBatchSize = LearnabilitySelection.SuperBatchSize(batchSize, keep);
        int kept = LearnabilitySelection.KeptCount(SuperBatchSize, keep);
        if (kept != batchSize) throw new Siglip2Exception($"a super-batch of {SuperBatchSize} at keep {keep} keeps {kept}, not {batchSize}");
        _prefetcher = new StepPrefetcher<Prepared>(Prepare);
    }

    private sealed record Prepared(ImageBatch LearnerImages, long[] LearnerIds, ImageBatch? TeacherImages, long[]? TeacherIds);

    public TrainingBatch GetBatch(long step)
    {
        var p = _prefetcher.Get(step);
        var learnerBatch = TrainingBatch.From(p.LearnerImages, p.LearnerIds, _learner.Text.Settings.Length);
        if (_teacher is null)
        {
            LastSelection = new AcidSelectionStats(SuperBatchSize, BatchSize, double.NaN, double.NaN, double.NaN, double.NaN);
            return learnerBatch;
        }
        using (learnerBatch)
        using (var teacherBatch = TrainingBatch.From(p.TeacherImages!, p.TeacherIds!, _teacher.Text.Settings.Length))
        {
            var learnerLoss = LearnabilitySelection.Score(_learner.Model, learnerBatch);
            var teacherLoss = LearnabilitySelection.Score(_teacher.Model, teacherBatch);
            var chosen = LearnabilitySelection.TopLearnable(learnerLoss, teacherLoss, _keep);
            LastSelection = new AcidSelectionStats(SuperBatchSize, chosen.Length, learnerLoss.Average(), chosen.Average(i => learnerLoss[i]),
                teacherLoss.Average(), chosen.Average(i => teacherLoss[i]));
            return learnerBatch.Rows(chosen);
        }
    }

    private Prepared Prepare(long step)
    {
        int count = Curated ? SuperBatchSize : BatchSize;
        long first = _firstScene + step * SuperBatchSize;
        var images = new RgbImage[count];
        var captions = new string[count];
        Parallel.For(0, count, i =>
        {
            var scene = _scenes.Generate(first + i);
            images[i] = new RgbImage(scene.Width, scene.Height, scene.Rgb);
            captions[i] = scene.Caption;
        });
        var learnerImages = _learner.Images.Preprocess(images);
        var learnerIds = _learner.Text.Process(captions).Ids;
        if (_teacher is null) return new Prepared(learnerImages, learnerIds, null, null);
        return new Prepared(learnerImages, learnerIds, _teacher.Images.Preprocess(images), _teacher.Text.Process(captions).Ids);
    }

    public void Dispose() => _prefetcher.Dispose();
}
