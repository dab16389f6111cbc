using System.Diagnostics;
using System.Text.Json;
using Siglip2.Checkpoints;
using Siglip2.Configuration;
using Siglip2.Modeling;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Siglip2.Training;

/// <summary>One step of <see cref="Siglip2RecipeTrainer"/>: the total loss and each term (NaN when the term is off).</summary>
public sealed record RecipeStepReport(long Step, double Loss, double Sigmoid, double Locca, double Silc, double Tips,
    double LearningRate, double GradNorm, long BatchSize, double Seconds);

/// <summary>
/// Trains with the SigLIP 2 recipe (paper §2): sigmoid loss + LocCa decoder loss (from the start, weight
/// <see cref="TrainingObjectives.LoccaWeight"/>) + from <see cref="TrainingObjectives.SelfDistillationStart"/> of
/// the schedule SILC (global teacher view vs local student views) and TIPS (masked patch prediction) against an EMA
/// teacher created from the student at the switch. Sigmoid and LocCa use the original images; SILC/TIPS the
/// augmented views. One AdamW (decay on weight matrices, see <see cref="ParameterGroups"/>) updates the model, the
/// decoder and the SSL heads; the teacher follows by EMA after each step. With both objectives off it is the plain
/// SigLIP sigmoid trainer. The exported model.safetensors holds only the Siglip2Model; the training checkpoint adds
/// locca_decoder.safetensors, self_distillation.safetensors (student heads, mask token, teacher, centres),
/// optimizer.bin and training_state.json (+ objectives.json), and <see cref="Resume"/> continues it.
/// </summary>
public sealed class Siglip2RecipeTrainer : IDisposable
{
    public const string DecoderFileName = "locca_decoder.safetensors";
    public const string SelfDistillationFileName = "self_distillation.safetensors";
    public const string ObjectivesFileName = "objectives.json";

    private readonly AdamW _optimizer;
    private readonly List<Parameter> _parameters;
    private readonly List<string> _parameterNames;
    private readonly Tensor? _silcCenter;
    private readonly Tensor? _tipsCenter;
    private EmaTeacher? _ema;

    public Siglip2Model Model { get; }
    public LoccaDecoder? Decoder { get; }
    public SelfDistillationHeads? Heads { get; }
    public SelfDistillationTeacher? Teacher { get; }
    public TrainingOptions Options { get; }
    public TrainingObjectives Objectives { get; }
    public long Step { get; private set; }
    public long SelfDistillationStep => Objectives.SelfDistillation ? Objectives.SelfDistillationStep(Options.Schedule.TotalSteps) : long.MaxValue;
    public bool TeacherActive => _ema is not null;

    /// <summary>A new model of <paramref name="config"/> (seeded init) with the decoder / SSL modules the objectives need.</summary>
    public static Siglip2RecipeTrainer FromScratch(Siglip2Config config, TrainingOptions options, TrainingObjectives objectives, int decoderVocab)
    {
        var model = new Siglip2Model(config);
        ModelInitializer.Initialize(model, options.Seed);
        return new Siglip2RecipeTrainer(model, options, objectives, decoderVocab, initializeExtras: true);
    }

    private Siglip2RecipeTrainer(Siglip2Model model, TrainingOptions options, TrainingObjectives objectives, int decoderVocab, bool initializeExtras)
    {
        options.Validate();
        objectives.Validate();
        if (!model.Config.IsDualTower || model.VisionModel?.Head is null)
            throw new Siglip2Exception("the SigLIP 2 recipe needs a dual-tower model with a pooling head");
        if (objectives.SelfDistillation && model.Config.IsNaflex)
            throw new Siglip2Exception("SILC/TIPS training is implemented for fixed-resolution image towers; use a fixed-resolution preset");
        Model = model; Options = options; Objectives = objectives;
        var text = model.Config.Text!;
        var vision = model.Config.Vision!;
        if (objectives.Locca)
            Decoder = new LoccaDecoder(decoderVocab, text.HiddenSize, Math.Max(1, text.NumHiddenLayers / 2), text.NumAttentionHeads,
                text.IntermediateSize, objectives.LoccaLength, vision.HiddenSize);
        if (objectives.SelfDistillation)
        {
            Heads = new SelfDistillationHeads(vision.HiddenSize, objectives.Prototypes);
            Teacher = new SelfDistillationTeacher(vision, objectives.Prototypes);
            _silcCenter = torch.zeros(objectives.Prototypes, ScalarType.Float32).DetachFromDisposeScope();
            _tipsCenter = torch.zeros(objectives.Prototypes, ScalarType.Float32).DetachFromDisposeScope();
        }
        if (initializeExtras)
        {
            if (Decoder is not null) ExtraModuleInitializer.Initialize(Decoder.named_parameters().Select(p => (p.name, p.parameter)), options.Seed + 1);
            if (Heads is not null) ExtraModuleInitializer.Initialize(Heads.named_parameters().Select(p => (p.name, p.parameter)), options.Seed + 2);
        }
        model.train(); Decoder?.train(); Heads?.train(); Teacher?.eval();
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

    private IEnumerable<(string Name, Parameter Parameter)> TrainableParameters()
    {
        foreach (var (n, p) in Model.named_parameters()) if (p.requires_grad) yield return (n, p);
        if (Decoder is not null) foreach (var (n, p) in Decoder.named_parameters()) yield return ("locca_decoder." + n, p);
        if (Heads is not null) foreach (var (n, p) in Heads.named_parameters()) yield return ("self_distillation." + n, p);
    }

    private void StartTeacher(bool copy) =>
        _ema = new EmaTeacher([(Teacher!.Vision, Model.Vision), (Teacher.SilcHead, Heads!.SilcHead), (Teacher.TipsHead, Heads.TipsHead)], copy);

    public RecipeStepReport TrainStep(RecipeBatch batch)
    {
        var pairs = batch.Pairs;
        pairs.Validate();
        if (pairs.IsNaflex != Model.Config.IsNaflex)
            throw new Siglip2Exception("the batch's image layout (NaFlex or fixed) does not match the model");
        bool ssl = Objectives.SelfDistillation && Step >= SelfDistillationStep;
        if (ssl && (batch.GlobalViews is null || batch.LocalViews is null))
            throw new Siglip2Exception($"step {Step + 1} is in the self-distillation stage but the batch has no augmented views");
        if (Decoder is not null && batch.DecoderInputs is null)
            throw new Siglip2Exception("LocCa is on but the batch has no decoder rows");
        if (ssl && _ema is null) StartTeacher(copy: true);
        double lr = Options.Schedule.At(Step);
        foreach (var group in _optimizer.ParamGroups) group.LearningRate = lr;

        var clock = Stopwatch.StartNew();
        double total, sig, locca = double.NaN, silc = double.NaN, tips = double.NaN, gradNorm;
        using (var scope = NewDisposeScope())
        {
            _optimizer.zero_grad();
            using var tower = pairs.IsNaflex
                ? Model.Vision.Forward(pairs.PixelValues, pairs.PixelAttentionMask!, pairs.SpatialShapes!)
                : Model.Vision.Forward(pairs.PixelValues);
            var images = Siglip2Model.Normalize(tower.PoolerOutput!);
            var texts = Model.EmbedTexts(pairs.InputIds);
            var sigLoss = SigmoidLoss.Compute(images, texts, Model.LogitScale!, Model.LogitBias!);
            var loss = sigLoss;
            if (Decoder is not null)
            {
                long rows = batch.DecoderInputs!.shape[0], b = pairs.BatchSize;
                var memory = tower.LastHiddenState.repeat(rows / b, 1, 1);
                // NaFlex: padded patches are hidden from the cross-attention as from the encoder
                var memoryMask = pairs.IsNaflex ? AttentionMask.ToAdditive(pairs.PixelAttentionMask!, memory.dtype).repeat(rows / b, 1, 1, 1) : null;
                var hidden = Decoder.Forward(batch.DecoderInputs, memory, batch.DecoderMask, memoryMask);
                var loccaLoss = ChunkedCrossEntropy.Compute(hidden, Decoder.Logits, batch.DecoderTargets!, Objectives.CrossEntropyChunk);
                loss = loss + loccaLoss * Objectives.LoccaWeight;
                locca = loccaLoss.item<float>();
            }
            if (ssl)
            {
                var (silcLoss, tipsLoss) = SelfDistillationLosses(batch);
                loss = loss + silcLoss * (Objectives.SilcWeight * Objectives.SizeFactor) + tipsLoss * (Objectives.TipsWeight * Objectives.SizeFactor);
                silc = silcLoss.item<float>();
                tips = tipsLoss.item<float>();
            }
            loss.backward();
            gradNorm = Options.GradClipNorm > 0 ? nn.utils.clip_grad_norm_(_parameters, Options.GradClipNorm) : double.NaN;
            total = loss.item<float>();
            sig = sigLoss.item<float>();
            if (!double.IsFinite(total))
                throw new Siglip2Exception($"training diverged at step {Step + 1}: loss {total} (lower the learning rate)");
            _optimizer.step();
        }
        if (ssl) _ema!.Update(Objectives.TeacherMomentum);
        clock.Stop();
        Step++;
        return new RecipeStepReport(Step, total, sig, locca, silc, tips, lr, gradNorm, pairs.BatchSize, clock.Elapsed.TotalSeconds);
    }

    /// <summary>(SILC, TIPS) losses of the batch's views; updates the teacher centres.</summary>
    private (Tensor Silc, Tensor Tips) SelfDistillationLosses(RecipeBatch batch)
    {
        var global = batch.GlobalViews!;
        var local = batch.LocalViews!;
        long n = global.shape[0];
        Tensor teacherPooled, teacherTokens;
        using (torch.no_grad())
        {
            using var t = Teacher!.Vision.Forward(global);
            teacherPooled = Teacher.SilcHead.forward(t.PoolerOutput!);
            teacherTokens = Teacher.TipsHead.forward(t.LastHiddenState);
        }
        // SILC: every local student view against the teacher's global view of the same image
        using var localOut = Model.Vision.Forward(local);
        var studentLocal = Heads!.SilcHead.forward(localOut.PoolerOutput!);
        var teacherRepeated = teacherPooled.repeat(local.shape[0] / n, 1);
        var silc = SelfDistillationLoss.Compute(studentLocal, teacherRepeated, _silcCenter!, Objectives.StudentTemperature, Objectives.TeacherTemperature);
        // TIPS: exactly ⌊S·ratio⌋ patches of the global view masked for the student, predicted at those positions
        long patches = teacherTokens.shape[1];
        using var mask = MaskedVisionForward.RandomMask((int)n, (int)patches, Objectives.MaskRatio, new Random(unchecked((int)batch.MaskSeed)));
        using var masked = MaskedVisionForward.Forward(Model.Vision, global, mask, Heads.MaskToken);
        var studentTokens = Heads.TipsHead.forward(masked.LastHiddenState);
        var tips = SelfDistillationLoss.Compute(studentTokens[mask], teacherTokens[mask], _tipsCenter!, Objectives.StudentTemperature, Objectives.TeacherTemperature);
        SelfDistillationLoss.UpdateCenter(_silcCenter!, teacherPooled, Objectives.CenterMomentum);
        SelfDistillationLoss.UpdateCenter(_tipsCenter!, teacherTokens, Objectives.CenterMomentum);
        return (silc, tips);
    }

    public IReadOnlyList<RecipeStepReport> Train(RecipeBatchSource source, long? untilStep = null, IProgress<RecipeStepReport>? progress = null,
        CancellationToken cancellationToken = default)
    {
        long until = untilStep ?? Options.Schedule.TotalSteps;
        var reports = new List<RecipeStepReport>();
        while (Step < until)
        {
            cancellationToken.ThrowIfCancellationRequested();
            RecipeStepReport r;
            using (var batch = source.GetBatch(Step)) r = TrainStep(batch);
            reports.Add(r);
            progress?.Report(r);
        }
        return reports;
    }

    public void SaveCheckpoint(string folder)
    {
        Directory.CreateDirectory(folder);
        CheckpointWriter.Save(Model, folder);
        if (Decoder is not null)
            SafeTensorsWriter.Save(Path.Combine(folder, DecoderFileName), Decoder.state_dict());
        if (Heads is not null)
        {
            var tensors = Heads.state_dict().Select(kv => KeyValuePair.Create("student." + kv.Key, kv.Value))
                .Concat(Teacher!.state_dict().Select(kv => KeyValuePair.Create("teacher." + kv.Key, kv.Value)))
                .Append(KeyValuePair.Create("silc_center", _silcCenter!)).Append(KeyValuePair.Create("tips_center", _tipsCenter!));
            SafeTensorsWriter.Save(Path.Combine(folder, SelfDistillationFileName), tensors,
                new Dictionary<string, string> { ["teacher_active"] = TeacherActive ? "1" : "0" });
        }
        string optimizerPath = Path.Combine(folder, TrainingState.OptimizerFileName);
        _optimizer.save_state_dict(optimizerPath + ".tmp");
        File.Move(optimizerPath + ".tmp", optimizerPath, overwrite: true);
        AtomicFile.WriteAllText(Path.Combine(folder, ObjectivesFileName),
            JsonSerializer.Serialize(new SavedObjectives(Objectives, Decoder?.VocabSize ?? 0), new JsonSerializerOptions { WriteIndented = true }) + "\n");
        new TrainingState
        {
            Step = Step, ImagesSeen = 0, Options = Options, OptimizerParameters = _parameterNames,
            NextLearningRate = Options.Schedule.At(Step),
        }.Save(folder);
    }

    private sealed record SavedObjectives(TrainingObjectives Objectives, int DecoderVocab);

    /// <summary>Continues a run saved by <see cref="SaveCheckpoint"/> (model, decoder, SSL state, optimizer, step).</summary>
    public static Siglip2RecipeTrainer Resume(string folder)
    {
        var state = TrainingState.Load(folder);
        string objectivesPath = Path.Combine(folder, ObjectivesFileName);
        if (!File.Exists(objectivesPath))
            throw new Siglip2Exception($"{objectivesPath} not found: this checkpoint was not saved by the SigLIP 2 recipe trainer");
        var saved = JsonSerializer.Deserialize<SavedObjectives>(File.ReadAllText(objectivesPath))
            ?? throw new Siglip2Exception($"{objectivesPath}: not a valid objectives file");
        var model = CheckpointLoader.Load(folder);
        var trainer = new Siglip2RecipeTrainer(model, state.Options, saved.Objectives, saved.DecoderVocab, initializeExtras: false) { Step = state.Step };
        try
        {
            if (!trainer._parameterNames.SequenceEqual(state.OptimizerParameters))
                throw new Siglip2Exception($"{folder}: the optimizer state was saved for different parameters; the checkpoint does not belong to these objectives");
            if (trainer.Decoder is not null) LoadInto(trainer.Decoder, Path.Combine(folder, DecoderFileName), "");
            if (trainer.Heads is not null)
            {
                string path = Path.Combine(folder, SelfDistillationFileName);
                LoadInto(trainer.Heads, path, "student.");
                LoadInto(trainer.Teacher!, path, "teacher.");
                using var f = SafeTensorsFile.Open(path);
                using (torch.no_grad())
                {
                    using var sc = f.ReadTensor("silc_center"); trainer._silcCenter!.copy_(sc);
                    using var tc = f.ReadTensor("tips_center"); trainer._tipsCenter!.copy_(tc);
                }
                if (trainer.Step >= trainer.SelfDistillationStep) trainer.StartTeacher(copy: false);
            }
            trainer._optimizer.load_state_dict(Path.Combine(folder, TrainingState.OptimizerFileName));
            return trainer;
        }
        catch
        {
            trainer.Dispose();
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Loads a training checkpoint of either trainer — this one (objectives.json present) or <see cref="SiglipTrainer"/>
    /// (sigmoid loss only; same parameter order) — e.g. a <see cref="StageSnapshots"/> folder, ready to train on or to
    /// <see cref="ContinueAs"/> another layout.
    /// </summary>
    public static Siglip2RecipeTrainer LoadCheckpoint(string folder)
    {
        if (File.Exists(Path.Combine(folder, ObjectivesFileName))) return Resume(folder);
        var state = TrainingState.Load(folder);
        string optimizerPath = Path.Combine(folder, TrainingState.OptimizerFileName);
        if (!File.Exists(optimizerPath))
            throw new Siglip2Exception($"{optimizerPath} not found: the training checkpoint is incomplete");
        var model = CheckpointLoader.Load(folder);
        Siglip2RecipeTrainer? trainer = null;
        try
        {
            trainer = new Siglip2RecipeTrainer(model, state.Options, new TrainingObjectives(), 0, initializeExtras: false) { Step = state.Step };
            if (!trainer._parameterNames.SequenceEqual(state.OptimizerParameters))
                throw new Siglip2Exception($"{folder}: the optimizer state was saved for different parameters than this model has");
            trainer._optimizer.load_state_dict(optimizerPath);
            return trainer;
        }
        catch
        {
            if (trainer is not null) trainer.Dispose(); else model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A new trainer that continues this one's run (same step, options and schedule, so the learning rate goes on)
    /// with the image tower converted by <paramref name="conversion"/> (e.g. <see cref="FixedToNaflexConversion"/>,
    /// <see cref="FixedResolutionChange"/>) and <paramref name="objectives"/> (a subset of this run's: the SigLIP 2
    /// NaFlex stage drops SILC/TIPS). The decoder, SSL heads, EMA teacher (converted like the student) and centres are
    /// copied, and so are the AdamW moments and step counts of every parameter, converted by the same rule (the
    /// NaFlex patch permutation is exact; resized position tables, see <see cref="FixedResolutionChange"/>).
    /// This trainer is left unchanged.
    /// </summary>
    public Siglip2RecipeTrainer ContinueAs(IVisionTowerConversion conversion, TrainingObjectives objectives)
    {
        if (objectives.Locca && Decoder is null)
            throw new Siglip2Exception("the run being continued was trained without LocCa; its continuation cannot add the decoder");
        if (objectives.SelfDistillation && Heads is null)
            throw new Siglip2Exception("the run being continued was trained without SILC/TIPS; its continuation cannot add them");
        var model = VisionTowerConversion.Apply(Model, conversion);
        Siglip2RecipeTrainer? next = null;
        try
        {
            next = new Siglip2RecipeTrainer(model, Options, objectives, Decoder?.VocabSize ?? 0, initializeExtras: false) { Step = Step };
            if (next.Decoder is not null) VisionTowerConversion.CopyInto(Decoder!, next.Decoder, conversion);
            if (next.Heads is not null)
            {
                VisionTowerConversion.CopyInto(Heads!, next.Heads, conversion);
                VisionTowerConversion.CopyInto(Teacher!, next.Teacher!, conversion);
                using (torch.no_grad())
                {
                    next._silcCenter!.copy_(_silcCenter!);
                    next._tipsCenter!.copy_(_tipsCenter!);
                }
                if (TeacherActive) next.StartTeacher(copy: false);
            }
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

    /// <summary>The trained LocCa decoder of a checkpoint folder (locca_decoder.safetensors + objectives.json), or null when it has none.</summary>
    public static (LoccaDecoder Decoder, TrainingObjectives Objectives)? LoadDecoder(string folder, Siglip2Config config)
    {
        string objectivesPath = Path.Combine(folder, ObjectivesFileName);
        if (!File.Exists(Path.Combine(folder, DecoderFileName)) || !File.Exists(objectivesPath)) return null;
        var saved = JsonSerializer.Deserialize<SavedObjectives>(File.ReadAllText(objectivesPath))
            ?? throw new Siglip2Exception($"{objectivesPath}: not a valid objectives file");
        var text = config.Text ?? throw new Siglip2Exception("the LocCa decoder needs a checkpoint with a text config");
        var decoder = new LoccaDecoder(saved.DecoderVocab, text.HiddenSize, Math.Max(1, text.NumHiddenLayers / 2), text.NumAttentionHeads,
            text.IntermediateSize, saved.Objectives.LoccaLength, config.Vision!.HiddenSize);
        LoadInto(decoder, Path.Combine(folder, DecoderFileName), "");
        decoder.eval();
        return (decoder, saved.Objectives);
    }

    private static void LoadInto(nn.Module module, string path, string prefix)
    {
        if (!File.Exists(path)) throw new Siglip2Exception($"{path} not found: the training checkpoint is incomplete");
        using var f = SafeTensorsFile.Open(path);
        using var noGrad = torch.no_grad();
        foreach (var (name, t) in module.state_dict())
        {
            if (!f.Tensors.ContainsKey(prefix + name)) throw new Siglip2Exception($"{path}: tensor {prefix + name} is missing");
            using var src = f.ReadTensor(prefix + name);
            t.copy_(src);
        }
    }

    public void Dispose()
    {
        _optimizer.Dispose();
        Decoder?.Dispose(); Heads?.Dispose(); Teacher?.Dispose();
        _silcCenter?.Dispose(); _tipsCenter?.Dispose();
        Model.Dispose();
    }
}
