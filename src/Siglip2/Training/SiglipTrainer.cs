using System.Diagnostics;
using Siglip2.Checkpoints;
using Siglip2.Configuration;
using Siglip2.Modeling;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Siglip2.Training;

/// <summary>
/// Trains a dual-tower SigLIP / SigLIP 2 model with the sigmoid loss. One step: learning rate from the schedule →
/// forward both towers → L2-normalise → <see cref="SigmoidLoss"/> → backward → clip the global gradient norm →
/// AdamW update. Works with fixed-resolution and NaFlex image towers. Deterministic: the same initial weights,
/// options and batches give the same losses, and <see cref="SaveCheckpoint"/> + <see cref="Resume"/> continue the
/// run exactly where it stopped.
/// </summary>
public sealed class SiglipTrainer : IDisposable
{
    private readonly AdamW _optimizer;
    private readonly List<Parameter> _parameters;
    private readonly List<string> _parameterNames;
    private readonly bool _ownsModel;

    public Siglip2Model Model { get; }
    public TrainingOptions Options { get; }
    /// <summary>Steps completed so far; the next step has this 0-based index.</summary>
    public long Step { get; private set; }
    public long ImagesSeen { get; private set; }

    /// <summary>(weight decay, parameter count) of each optimizer parameter group, as the optimizer holds them.</summary>
    internal IReadOnlyList<(double WeightDecay, int Count)> GroupSummary =>
        _optimizer.ParamGroups.Cast<AdamW.ParamGroup>()
            .Select(g => (g.Options.weight_decay ?? double.NaN, g.Parameters.Count())).ToList();

    /// <summary>Trains <paramref name="model"/> as it is (e.g. pretrained weights, or after <see cref="ModelInitializer"/>).</summary>
    public SiglipTrainer(Siglip2Model model, TrainingOptions options) : this(model, options, ownsModel: false) { }

    private SiglipTrainer(Siglip2Model model, TrainingOptions options, bool ownsModel)
    {
        options.Validate();
        if (!model.Config.IsDualTower || model.LogitScale is null || model.LogitBias is null)
            throw new Siglip2Exception($"training needs a dual-tower model (image and text towers, logit_scale, logit_bias); this one is {model.Config.ModelType}");
        if (model.VisionModel!.Head is null)
            throw new Siglip2Exception("training needs an image tower with a pooling head (vision_use_head = true)");
        Model = model;
        Options = options;
        _ownsModel = ownsModel;
        model.train();
        var (decay, noDecay) = ParameterGroups.Split(model);
        _parameters = decay.Concat(noDecay).Select(p => p.Parameter).ToList();
        _parameterNames = decay.Concat(noDecay).Select(p => p.Name).ToList();
        double lr = options.Schedule.At(0);
        var groups = new List<AdamW.ParamGroup>
        {
            new(decay.Select(p => p.Parameter), lr, options.Beta1, options.Beta2, options.Epsilon, options.WeightDecay, false, false),
            new(noDecay.Select(p => p.Parameter), lr, options.Beta1, options.Beta2, options.Epsilon, 0.0, false, false),
        };
        _optimizer = torch.optim.AdamW(groups, lr, options.Beta1, options.Beta2, options.Epsilon, options.WeightDecay);
    }

    /// <summary>A new model of <paramref name="config"/>, initialised by <see cref="ModelInitializer"/> with <see cref="TrainingOptions.Seed"/>.</summary>
    public static SiglipTrainer FromScratch(Siglip2Config config, TrainingOptions options)
    {
        options.Validate();
        var model = new Siglip2Model(config);
        ModelInitializer.Initialize(model, options.Seed);
        return new SiglipTrainer(model, options, ownsModel: true);
    }

    /// <summary>
    /// Continues a run from a folder written by <see cref="SaveCheckpoint"/>: weights (model.safetensors), optimizer
    /// moments (optimizer.bin), step and options (training_state.json). Pass <paramref name="options"/> only to change
    /// them (e.g. a longer schedule); the loss curve then differs from the original run's.
    /// </summary>
    public static SiglipTrainer Resume(string folder, TrainingOptions? options = null)
    {
        var state = TrainingState.Load(folder);
        string optimizerPath = Path.Combine(folder, TrainingState.OptimizerFileName);
        if (!File.Exists(optimizerPath))
            throw new Siglip2Exception($"{optimizerPath} not found: the training checkpoint is incomplete (save it again with SiglipTrainer.SaveCheckpoint)");
        var model = CheckpointLoader.Load(folder);
        SiglipTrainer? trainer = null;
        try
        {
            trainer = new SiglipTrainer(model, options ?? state.Options, ownsModel: true)
            {
                Step = state.Step,
                ImagesSeen = state.ImagesSeen,
            };
            if (!trainer._parameterNames.SequenceEqual(state.OptimizerParameters))
                throw new Siglip2Exception($"{Path.Combine(folder, TrainingState.FileName)}: the optimizer state was saved for different parameters than this model has; the checkpoint does not belong to this config");
            try { trainer._optimizer.load_state_dict(optimizerPath); }
            catch (Exception e) when (e is not Siglip2Exception)
            {
                throw new Siglip2Exception($"{optimizerPath}: cannot read the optimizer state ({e.Message}); the checkpoint is damaged");
            }
            return trainer;
        }
        catch
        {
            if (trainer is not null) trainer.Dispose(); else model.Dispose();
            throw;
        }
    }

    /// <summary>Runs one optimisation step on <paramref name="batch"/> (which the caller still owns).</summary>
    public TrainingStepReport TrainStep(TrainingBatch batch)
    {
        batch.Validate();
        if (batch.IsNaflex != Model.Config.IsNaflex)
            throw new Siglip2Exception(Model.Config.IsNaflex
                ? "this is a NaFlex model: training batches need (B, N, C·p·p) patches with pixel_attention_mask and spatial_shapes"
                : "this is a fixed-resolution model: training batches need (B, C, H, W) pixel_values without a patch mask");
        double lr = Options.Schedule.At(Step);
        foreach (var group in _optimizer.ParamGroups) group.LearningRate = lr;

        var clock = Stopwatch.StartNew();
        double loss, gradNorm;
        using (var scope = NewDisposeScope())
        {
            _optimizer.zero_grad();
            var images = batch.IsNaflex
                ? Model.EmbedImages(batch.PixelValues, batch.PixelAttentionMask!, batch.SpatialShapes!)
                : Model.EmbedImages(batch.PixelValues);
            var texts = Model.EmbedTexts(batch.InputIds);
            var lossTensor = Options.LossChunks > 1
                ? SigmoidLoss.ComputeChunked(images, texts, Model.LogitScale!, Model.LogitBias!, (int)Math.Min(Options.LossChunks, batch.BatchSize))
                : SigmoidLoss.Compute(images, texts, Model.LogitScale!, Model.LogitBias!);
            lossTensor.backward();
            gradNorm = Options.GradClipNorm > 0
                ? nn.utils.clip_grad_norm_(_parameters, Options.GradClipNorm)
                : GlobalGradNorm();
            loss = lossTensor.item<float>();
            if (!double.IsFinite(loss) || !double.IsFinite(gradNorm))
                throw new Siglip2Exception($"training diverged at step {Step + 1}: loss {loss}, gradient norm {gradNorm} (lower the learning rate or keep gradient clipping on)");
            _optimizer.step();
        }
        clock.Stop();
        Step++;
        ImagesSeen += batch.BatchSize;
        double temperature = Math.Exp(Model.LogitScale!.item<float>());
        double bias = Model.LogitBias!.item<float>();
        return new TrainingStepReport(Step, loss, lr, temperature, bias, gradNorm, batch.BatchSize, clock.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// Trains until <paramref name="untilStep"/> steps are done (default: the schedule's TotalSteps), reporting every
    /// step to <paramref name="progress"/>; with <paramref name="checkpointFolder"/> it saves a checkpoint every
    /// <paramref name="checkpointEvery"/> steps (0: only at the end). <paramref name="afterStep"/> is called with the
    /// number of completed steps after each one (e.g. to keep <see cref="StageSnapshots"/>).
    /// </summary>
    public IReadOnlyList<TrainingStepReport> Train(ITrainingBatchSource source, long? untilStep = null,
        IProgress<TrainingStepReport>? progress = null, string? checkpointFolder = null, long checkpointEvery = 0,
        CancellationToken cancellationToken = default, Action<long>? afterStep = null)
    {
        long until = untilStep ?? Options.Schedule.TotalSteps;
        var reports = new List<TrainingStepReport>();
        while (Step < until)
        {
            cancellationToken.ThrowIfCancellationRequested();
            TrainingStepReport report;
            using (var batch = source.GetBatch(Step))
                report = TrainStep(batch);
            reports.Add(report);
            progress?.Report(report);
            afterStep?.Invoke(Step);
            if (checkpointFolder != null && checkpointEvery > 0 && Step % checkpointEvery == 0 && Step < until)
                SaveCheckpoint(checkpointFolder);
        }
        if (checkpointFolder != null) SaveCheckpoint(checkpointFolder);
        return reports;
    }

    /// <summary>
    /// Writes the Hugging Face checkpoint (config.json + model.safetensors, loadable by <see cref="CheckpointLoader"/>
    /// and transformers) plus optimizer.bin (AdamW moments, TorchSharp's optimizer state format) and
    /// training_state.json into <paramref name="folder"/>.
    /// </summary>
    public void SaveCheckpoint(string folder)
    {
        Directory.CreateDirectory(folder);
        CheckpointWriter.Save(Model, folder);
        string optimizerPath = Path.Combine(folder, TrainingState.OptimizerFileName);
        string tmp = optimizerPath + ".tmp";
        _optimizer.save_state_dict(tmp);
        File.Move(tmp, optimizerPath, overwrite: true);
        new TrainingState
        {
            Step = Step,
            ImagesSeen = ImagesSeen,
            Options = Options,
            OptimizerParameters = _parameterNames,
            NextLearningRate = Options.Schedule.At(Step),
        }.Save(folder);
    }

    private double GlobalGradNorm()
    {
        using var scope = NewDisposeScope();
        var squares = _parameters.Where(p => p.grad is not null).Select(p => p.grad!.pow(2).sum()).ToList();
        return squares.Count == 0 ? 0.0 : torch.stack(squares).sum().sqrt().item<float>();
    }

    public void Dispose()
    {
        _optimizer.Dispose();
        if (_ownsModel) Model.Dispose();
    }
}
