using System.Diagnostics;
using Siglip2.Checkpoints;
using Siglip2.Configuration;
using Siglip2.Modeling;
using Siglip2.Training.Objectives;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Siglip2.Training;

/// <summary>
/// The one trainer of SigLIP / SigLIP 2 (paper §2), for every run: from scratch, resumed, a continuation stage, ACID,
/// the ablation rows, fine-tuning a released checkpoint. Its loss is a configured composite of
/// <see cref="IObjectiveTerm"/>s (<see cref="CreateTerms"/> from <see cref="TrainingObjectives"/>): the sigmoid loss,
/// LocCa, and SILC/TIPS from their start step. One step: learning rate from the schedule → the image tower and text
/// tower on the pairs (once; every term reads that pass) → Σ weight·loss of the active terms → backward →
/// <see cref="IGradientSynchronizer"/> → clip the global gradient norm → AdamW (decay on weight matrices, see
/// <see cref="ParameterGroups"/>) → each term's after-step update (the EMA teacher). Deterministic: the same weights,
/// options and batches give the same losses, and <see cref="SaveCheckpoint"/> + <see cref="Resume"/> continue a run
/// bitwise where it stopped. Works with fixed-resolution and NaFlex image towers (SILC/TIPS: fixed only).
/// </summary>
public sealed class Trainer : IDisposable
{
    private readonly AdamW _optimizer;
    private readonly List<Parameter> _parameters;
    private readonly List<string> _parameterNames;
    private readonly List<IObjectiveTerm> _terms;
    private readonly bool _ownsModel;

    public Siglip2Model Model { get; }
    public TrainingOptions Options { get; }
    public TrainingObjectives Objectives { get; }
    public TrainingProcess Process { get; }
    /// <summary>Vocabulary of the LocCa decoder (0 without LocCa).</summary>
    public int DecoderVocab { get; }
    /// <summary>Steps completed so far; the next step has this 0-based index.</summary>
    public long Step { get; private set; }
    public long ImagesSeen { get; private set; }
    public IReadOnlyList<IObjectiveTerm> Terms => _terms;

    public LoccaDecoder? Decoder => _terms.OfType<LoccaTerm>().FirstOrDefault()?.Decoder;
    public SelfDistillationTerm? SelfDistillation => _terms.OfType<SelfDistillationTerm>().FirstOrDefault();
    public SelfDistillationHeads? Heads => SelfDistillation?.Heads;
    public SelfDistillationTeacher? Teacher => SelfDistillation?.Teacher;
    /// <summary>First step of SILC/TIPS (long.MaxValue without them).</summary>
    public long SelfDistillationStep => SelfDistillation?.StartStep ?? long.MaxValue;
    public bool TeacherActive => SelfDistillation?.TeacherActive ?? false;

    /// <summary>(weight decay, parameter count) of each optimizer parameter group, as the optimizer holds them.</summary>
    internal IReadOnlyList<(double WeightDecay, int Count)> GroupSummary =>
        _optimizer.ParamGroups.Cast<AdamW.ParamGroup>()
            .Select(g => (g.Options.weight_decay ?? double.NaN, g.Parameters.Count())).ToList();

    /// <summary>
    /// Trains <paramref name="model"/> as it is — pretrained weights (fine-tuning a released checkpoint; lock a tower with
    /// <see cref="TrainingOptions.LockImageTower"/> / <see cref="TrainingOptions.LockTextTower"/>) or after
    /// <see cref="ModelInitializer"/>. The caller keeps owning the model. Modules the objectives add (LocCa decoder,
    /// SILC/TIPS heads) start fresh, seeded by <see cref="TrainingOptions.Seed"/>.
    /// </summary>
    public Trainer(Siglip2Model model, TrainingOptions options, TrainingObjectives? objectives = null, int decoderVocab = 0, TrainingProcess? process = null)
        : this(model, options, objectives ?? new TrainingObjectives(), decoderVocab, process ?? TrainingProcess.Single, ownsModel: false, initializeExtras: true)
    {
    }

    private Trainer(Siglip2Model model, TrainingOptions options, TrainingObjectives objectives, int decoderVocab, TrainingProcess process,
        bool ownsModel, bool initializeExtras)
    {
        options.Validate();
        objectives.Validate();
        process.Validate();
        if (!model.Config.IsDualTower || model.LogitScale is null || model.LogitBias is null)
            throw new Siglip2Exception($"training needs a dual-tower model (image and text towers, logit_scale, logit_bias); this one is {model.Config.ModelType}");
        if (model.VisionModel!.Head is null)
            throw new Siglip2Exception("training needs an image tower with a pooling head (vision_use_head = true)");
        if (objectives.Locca && decoderVocab < 1)
            throw new Siglip2Exception("LocCa needs the decoder's vocabulary size (the tokenizer's); pass decoderVocab");
        if (objectives.SelfDistillation && options.LockImageTower)
            throw new Siglip2Exception("SILC/TIPS train the image tower; they cannot run with the image tower locked (LockImageTower)");
        Model = model; Options = options; Objectives = objectives; Process = process;
        DecoderVocab = objectives.Locca ? decoderVocab : 0;
        _ownsModel = ownsModel;
        _terms = CreateTerms(model, options, objectives, DecoderVocab, process, initializeExtras);
        try
        {
            model.train();
            LockTowers(model, options);
            var named = TrainableParameters().ToList();
            var decay = named.Where(p => ParameterGroups.IsDecayed(p.Name, p.Parameter)).ToList();
            var noDecay = named.Where(p => !ParameterGroups.IsDecayed(p.Name, p.Parameter)).ToList();
            _parameters = decay.Concat(noDecay).Select(p => p.Parameter).ToList();
            _parameterNames = decay.Concat(noDecay).Select(p => p.Name).ToList();
            double lr = options.Schedule.At(0);
            _optimizer = torch.optim.AdamW(new List<AdamW.ParamGroup>
            {
                new(decay.Select(p => p.Parameter), lr, options.Beta1, options.Beta2, options.Epsilon, options.WeightDecay, false, false),
                new(noDecay.Select(p => p.Parameter), lr, options.Beta1, options.Beta2, options.Epsilon, 0.0, false, false),
            }, lr, options.Beta1, options.Beta2, options.Epsilon, options.WeightDecay);
        }
        catch
        {
            foreach (var t in _terms) t.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The configured composite loss of <paramref name="objectives"/>, in summation order: sigmoid (the process's
    /// loss function), LocCa when on (decoder seeded with Seed + 1), SILC/TIPS when on (heads seeded with Seed + 2).
    /// </summary>
    public static List<IObjectiveTerm> CreateTerms(Siglip2Model model, TrainingOptions options, TrainingObjectives objectives, int decoderVocab,
        TrainingProcess process, bool initializeExtras)
    {
        var terms = new List<IObjectiveTerm> { new SigmoidTerm(process.SigmoidLoss ?? SigmoidTerm.Local(options.LossChunks)) };
        try
        {
            if (objectives.Locca)
                terms.Add(new LoccaTerm(model.Config, objectives, decoderVocab, initializeExtras ? options.Seed + 1 : null));
            if (objectives.SelfDistillation)
                terms.Add(new SelfDistillationTerm(model, objectives, options.Schedule.TotalSteps, initializeExtras ? options.Seed + 2 : null));
            return terms;
        }
        catch
        {
            foreach (var t in terms) t.Dispose();
            throw;
        }
    }

    /// <summary>LiT and its mirror: a locked tower's parameters get no gradients and stay out of the optimizer.</summary>
    private static void LockTowers(Siglip2Model model, TrainingOptions options)
    {
        if (options.LockImageTower) foreach (var p in model.Vision.parameters()) p.requires_grad = false;
        if (options.LockTextTower) foreach (var p in model.Text.parameters()) p.requires_grad = false;
    }

    private IEnumerable<(string Name, Parameter Parameter)> TrainableParameters()
    {
        foreach (var (n, p) in Model.named_parameters()) if (p.requires_grad) yield return (n, p);
        foreach (var term in _terms)
            foreach (var p in term.Parameters) yield return p;
    }

    /// <summary>A new model of <paramref name="config"/>, initialised by <see cref="ModelInitializer"/> with <see cref="TrainingOptions.Seed"/>, with the modules the objectives need.</summary>
    public static Trainer FromScratch(Siglip2Config config, TrainingOptions options, TrainingObjectives? objectives = null, int decoderVocab = 0,
        TrainingProcess? process = null)
    {
        options.Validate();
        var model = new Siglip2Model(config);
        try
        {
            ModelInitializer.Initialize(model, options.Seed);
            return new Trainer(model, options, objectives ?? new TrainingObjectives(), decoderVocab, process ?? TrainingProcess.Single, ownsModel: true, initializeExtras: true);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Continues a run from a folder written by <see cref="SaveCheckpoint"/> (<see cref="TrainingCheckpoint"/>: weights,
    /// optimizer moments, step, options, objectives and their modules) — also a stage snapshot. Pass
    /// <paramref name="options"/> only to change them (e.g. a longer schedule); the loss curve then differs from the original run's.
    /// </summary>
    public static Trainer Resume(string folder, TrainingOptions? options = null, TrainingProcess? process = null)
    {
        if (process is null || process.IsMainProcess) RecoverStaged(folder); // an interrupted save: finish it or drop it
        var state = TrainingState.Load(folder);
        string optimizerPath = Path.Combine(folder, TrainingState.OptimizerFileName);
        if (!File.Exists(optimizerPath))
            throw new Siglip2Exception($"{optimizerPath} not found: the training checkpoint is incomplete (save it again with Trainer.SaveCheckpoint)");
        var (objectives, decoderVocab) = TrainingCheckpoint.ReadObjectives(folder);
        var model = CheckpointLoader.Load(folder);
        Trainer? trainer = null;
        try
        {
            trainer = new Trainer(model, options ?? state.Options, objectives, decoderVocab, process ?? TrainingProcess.Single, ownsModel: true, initializeExtras: false)
            {
                Step = state.Step,
                ImagesSeen = state.ImagesSeen,
            };
            if (!trainer._parameterNames.SequenceEqual(state.OptimizerParameters))
                throw new Siglip2Exception($"{Path.Combine(folder, TrainingState.FileName)}: the optimizer state was saved for different parameters than this model and its objectives have; the checkpoint does not belong to this config");
            foreach (var term in trainer._terms) term.Load(folder, state.Step);
            try { trainer._optimizer.load_state_dict(optimizerPath); }
            catch (Exception e) when (e is not Siglip2Exception)
            {
                throw new Siglip2Exception($"{optimizerPath}: cannot read the optimizer state ({e.Message}); the checkpoint is damaged");
            }
            return trainer;
        }
        catch
        {
            // the trainer owns the model once it exists: dispose it exactly once
            if (trainer is not null) trainer.Dispose(); else model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A new trainer that continues this one's run (same step, options and schedule, so the learning rate goes on)
    /// with the image tower converted by <paramref name="conversion"/> (e.g. <see cref="FixedToNaflexConversion"/>,
    /// <see cref="FixedResolutionChange"/>) and <paramref name="objectives"/> (a subset of this run's: the SigLIP 2
    /// NaFlex stage drops SILC/TIPS). Each kept term copies its state (converted like the student), and the AdamW
    /// moments and step counts of every parameter are copied, converted by the same rule. This trainer is left unchanged.
    /// </summary>
    public Trainer ContinueAs(IVisionTowerConversion conversion, TrainingObjectives objectives)
    {
        if (objectives.Locca && Decoder is null)
            throw new Siglip2Exception("the run being continued was trained without LocCa; its continuation cannot add the decoder");
        if (objectives.SelfDistillation && SelfDistillation is null)
            throw new Siglip2Exception("the run being continued was trained without SILC/TIPS; its continuation cannot add them");
        var model = VisionTowerConversion.Apply(Model, conversion);
        Trainer? next = null;
        try
        {
            next = new Trainer(model, Options, objectives, DecoderVocab, Process, ownsModel: true, initializeExtras: false) { Step = Step, ImagesSeen = ImagesSeen };
            foreach (var term in next._terms)
                term.ContinueFrom(_terms.First(t => t.Name == term.Name), conversion);
            var from = _optimizer.state_dict().State;
            var to = next._optimizer.state_dict().State;
            using var noGrad = torch.no_grad();
            for (int i = 0; i < next._parameterNames.Count; i++)
            {
                string name = next._parameterNames[i];
                int j = _parameterNames.IndexOf(name);
                if (j < 0) throw new Siglip2Exception($"cannot continue the run: it has no optimizer state for {name}");
                var old = (AdamW.State)from[j];
                var state = (AdamW.State)to[i];
                using var scope = NewDisposeScope();
                state.step = old.step;
                state.exp_avg.copy_(VisionTowerConversion.Convert(name, old.exp_avg, TensorRole.FirstMoment, conversion));
                state.exp_avg_sq.copy_(VisionTowerConversion.Convert(name, old.exp_avg_sq, TensorRole.SecondMoment, conversion));
            }
            return next;
        }
        catch
        {
            if (next is not null) next.Dispose(); else model.Dispose();
            throw;
        }
    }

    /// <summary>Runs one optimisation step on a batch of pairs (which the caller still owns).</summary>
    public TrainingStepReport TrainStep(TrainingBatch batch) => TrainStep(new RecipeBatch { Pairs = batch });

    /// <summary>Runs one optimisation step on <paramref name="batch"/> (which the caller still owns).</summary>
    public TrainingStepReport TrainStep(RecipeBatch batch)
    {
        var pairs = batch.Pairs;
        pairs.Validate();
        if (pairs.IsNaflex != Model.Config.IsNaflex)
            throw new Siglip2Exception(Model.Config.IsNaflex
                ? "this is a NaFlex model: training batches need (B, N, C·p·p) patches with pixel_attention_mask and spatial_shapes"
                : "this is a fixed-resolution model: training batches need (B, C, H, W) pixel_values without a patch mask");
        var active = _terms.Where(t => Step >= t.StartStep).ToList();
        foreach (var term in active) term.CheckBatch(batch, Step);
        foreach (var term in active) term.BeforeStep(Step);
        double lr = Options.Schedule.At(Step);
        foreach (var group in _optimizer.ParamGroups) group.LearningRate = lr;

        var clock = Stopwatch.StartNew();
        var values = _terms.SelectMany(t => t.Components).ToDictionary(c => c, _ => double.NaN);
        double loss, gradNorm;
        using (var scope = NewDisposeScope())
        {
            _optimizer.zero_grad();
            using var tower = Model.Vision.Forward(pairs.Vision);
            var images = Siglip2Model.Normalize(tower.PoolerOutput!);
            var texts = Model.EmbedTexts(pairs.InputIds);
            var inputs = new TermInputs(Model, batch, tower, images, texts, Step);
            Tensor? total = null;
            foreach (var term in active)
                foreach (var c in term.Compute(inputs))
                {
                    // weight 1 adds the loss itself (x·1 = x exactly; the sum stays the one of the terms in order)
                    var weighted = c.Weight == 1.0 ? c.Loss : c.Loss * c.Weight;
                    total = total is null ? weighted : total + weighted;
                    values[c.Name] = c.Loss.item<float>();
                }
            total!.backward();
            Process.Gradients.Synchronize(_parameters);
            gradNorm = Options.GradClipNorm > 0
                ? nn.utils.clip_grad_norm_(_parameters, Options.GradClipNorm)
                : GlobalGradNorm();
            // the global batch's loss in a data-parallel job (every rank logs the same value; one process: its own)
            loss = Process.Gradients.AverageLoss(total.item<float>());
            if (!double.IsFinite(loss) || !double.IsFinite(gradNorm))
                throw new Siglip2Exception($"training diverged at step {Step + 1}: loss {loss}, gradient norm {gradNorm} (lower the learning rate or keep gradient clipping on)");
            _optimizer.step();
        }
        foreach (var term in active) term.AfterStep(Step);
        clock.Stop();
        Step++;
        ImagesSeen += pairs.BatchSize;
        double temperature = Math.Exp(Model.LogitScale!.item<float>());
        double bias = Model.LogitBias!.item<float>();
        return new TrainingStepReport(Step, loss, lr, temperature, bias, gradNorm, pairs.BatchSize, clock.Elapsed.TotalSeconds, values);
    }

    /// <summary>The loop over a source of image–text pairs (the sigmoid loss; objectives that need more inputs refuse its batches).</summary>
    public IReadOnlyList<TrainingStepReport> Train(ITrainingBatchSource source, long? untilStep = null, IProgress<TrainingStepReport>? progress = null,
        string? checkpointFolder = null, long checkpointEvery = 0, IReadOnlyCollection<long>? snapshotSteps = null, CancellationToken cancellationToken = default) =>
        Train(step => new RecipeBatch { Pairs = source.GetBatch(step) }, untilStep, progress, checkpointFolder, checkpointEvery, snapshotSteps, cancellationToken);

    /// <summary>The loop over a source of recipe batches.</summary>
    public IReadOnlyList<TrainingStepReport> Train(IRecipeBatchSource source, long? untilStep = null, IProgress<TrainingStepReport>? progress = null,
        string? checkpointFolder = null, long checkpointEvery = 0, IReadOnlyCollection<long>? snapshotSteps = null, CancellationToken cancellationToken = default) =>
        Train(source.GetBatch, untilStep, progress, checkpointFolder, checkpointEvery, snapshotSteps, cancellationToken);

    /// <summary>
    /// The one training loop: steps until <paramref name="untilStep"/> (default: the schedule's TotalSteps), each step's
    /// report to <paramref name="progress"/>; with <paramref name="checkpointFolder"/> a checkpoint every
    /// <paramref name="checkpointEvery"/> steps (0: only at the end) and at the end, and a stage snapshot
    /// (<see cref="StageSnapshots.Folder"/>) after each step of <paramref name="snapshotSteps"/>. Only the main process
    /// reports and writes.
    /// </summary>
    private List<TrainingStepReport> Train(Func<long, RecipeBatch> batches, long? untilStep, IProgress<TrainingStepReport>? progress,
        string? checkpointFolder, long checkpointEvery, IReadOnlyCollection<long>? snapshotSteps, CancellationToken cancellationToken)
    {
        if (snapshotSteps is { Count: > 0 } && checkpointFolder is null)
            throw new ArgumentException("stage snapshots are kept in the checkpoint folder; pass one", nameof(checkpointFolder));
        long until = untilStep ?? Options.Schedule.TotalSteps;
        bool main = Process.IsMainProcess;
        var reports = new List<TrainingStepReport>();
        while (Step < until)
        {
            cancellationToken.ThrowIfCancellationRequested();
            TrainingStepReport report;
            using (var batch = batches(Step))
                report = TrainStep(batch);
            reports.Add(report);
            if (!main) continue;
            progress?.Report(report);
            if (snapshotSteps is not null && snapshotSteps.Contains(Step)) SaveCheckpoint(StageSnapshots.Folder(checkpointFolder!, Step));
            if (checkpointFolder != null && checkpointEvery > 0 && Step % checkpointEvery == 0 && Step < until)
                SaveCheckpoint(checkpointFolder);
        }
        if (checkpointFolder != null && main) SaveCheckpoint(checkpointFolder);
        return reports;
    }

    /// <summary>
    /// Writes the training checkpoint (<see cref="TrainingCheckpoint"/>) into <paramref name="folder"/>, crash-consistent:
    /// every file goes first into <see cref="StagingFolderName"/> inside it, the training state last; then the files
    /// are moved over the old ones, the state last. A crash before the staged state exists leaves the old checkpoint
    /// (the staging folder is dropped by <see cref="RecoverStaged"/>); a crash while moving leaves a complete staging
    /// folder that <see cref="RecoverStaged"/> finishes moving. Never weights of one step with the state of another.
    /// </summary>
    public void SaveCheckpoint(string folder)
    {
        Directory.CreateDirectory(folder);
        RecoverStaged(folder);
        string staging = Path.Combine(folder, StagingFolderName);
        Directory.CreateDirectory(staging);
        CheckpointWriter.Save(Model, staging);
        foreach (var term in _terms) term.Save(staging);
        _optimizer.save_state_dict(Path.Combine(staging, TrainingState.OptimizerFileName));
        if (Objectives.Locca || Objectives.SelfDistillation)
            TrainingCheckpoint.WriteObjectives(staging, Objectives, DecoderVocab);
        new TrainingState
        {
            Step = Step,
            ImagesSeen = ImagesSeen,
            Options = Options,
            OptimizerParameters = _parameterNames,
            NextLearningRate = Options.Schedule.At(Step),
        }.Save(staging);
        RecoverStaged(folder);
    }

    /// <summary>The folder a checkpoint is written into before it replaces the previous one.</summary>
    public const string StagingFolderName = ".checkpoint-staging";

    /// <summary>
    /// Completes or drops an interrupted <see cref="SaveCheckpoint"/>: a staging folder with its training state is moved
    /// into place (the state last); one without is deleted, leaving the previous checkpoint. Resume calls it first.
    /// </summary>
    public static void RecoverStaged(string folder)
    {
        string staging = Path.Combine(folder, StagingFolderName);
        if (!Directory.Exists(staging)) return;
        string state = Path.Combine(staging, TrainingState.FileName);
        if (File.Exists(state))
        {
            foreach (string file in Directory.EnumerateFiles(staging).Where(f => Path.GetFileName(f) != TrainingState.FileName && !f.EndsWith(".tmp", StringComparison.Ordinal)))
                File.Move(file, Path.Combine(folder, Path.GetFileName(file)), overwrite: true);
            File.Move(state, Path.Combine(folder, TrainingState.FileName), overwrite: true);
        }
        Directory.Delete(staging, recursive: true);
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
        foreach (var t in _terms) t.Dispose();
        if (_ownsModel) Model.Dispose();
    }
}
