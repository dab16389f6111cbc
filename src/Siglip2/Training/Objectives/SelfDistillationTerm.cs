using Siglip2.Checkpoints;
using Siglip2.Configuration;
using Siglip2.Modeling;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Siglip2.Training.Objectives;

/// <summary>
/// SILC + TIPS (SigLIP 2 §2.3) from <see cref="TrainingObjectives.SelfDistillationStart"/> of the schedule: an EMA
/// teacher, created from the student at the first such step, sees the global view; SILC matches every local student
/// view to it (weight <see cref="TrainingObjectives.SilcWeight"/>·<see cref="TrainingObjectives.SizeFactor"/>), TIPS
/// predicts the teacher's tokens at ⌊S·ratio⌋ masked patches of the student's global view (weight
/// <see cref="TrainingObjectives.TipsWeight"/>·<see cref="TrainingObjectives.SizeFactor"/>). The teacher's centres move
/// every step; the teacher follows the student by EMA after each optimizer step. Saved as
/// <see cref="TrainingCheckpoint.SelfDistillationFileName"/> (student heads, mask token, teacher, centres).
/// </summary>
public sealed class SelfDistillationTerm : IObjectiveTerm
{
    public const string TermName = "silc_tips";
    public const string SilcComponent = "silc";
    public const string TipsComponent = "tips";

    private readonly TrainingObjectives _objectives;
    private readonly Siglip2Model _model;
    private readonly Tensor _silcCenter;
    private readonly Tensor _tipsCenter;
    private EmaTeacher? _ema;

    public SelfDistillationHeads Heads { get; }
    public SelfDistillationTeacher Teacher { get; }
    public bool TeacherActive => _ema is not null;
    public string Name => TermName;
    public IReadOnlyList<string> Components { get; } = [SilcComponent, TipsComponent];
    public long StartStep { get; }
    public IEnumerable<(string Name, Parameter Parameter)> Parameters => Heads.named_parameters().Select(p => ("self_distillation." + p.name, p.parameter));

    /// <param name="totalSteps">the schedule's length; the term starts at ⌊T·start⌋.</param>
    /// <param name="initSeed">seed of fresh heads (<see cref="ExtraModuleInitializer"/>); null leaves them to <see cref="Load"/> or <see cref="ContinueFrom"/>.</param>
    public SelfDistillationTerm(Siglip2Model model, TrainingObjectives objectives, long totalSteps, long? initSeed)
    {
        if (model.Config.IsNaflex)
            throw new Siglip2Exception("SILC/TIPS training is implemented for fixed-resolution image towers; use a fixed-resolution preset");
        _model = model;
        _objectives = objectives;
        StartStep = objectives.SelfDistillationStep(totalSteps);
        var vision = model.Config.Vision!;
        Heads = new SelfDistillationHeads(vision.HiddenSize, objectives.Prototypes);
        Teacher = new SelfDistillationTeacher(vision, objectives.Prototypes);
        _silcCenter = torch.zeros(objectives.Prototypes, ScalarType.Float32).DetachFromDisposeScope();
        _tipsCenter = torch.zeros(objectives.Prototypes, ScalarType.Float32).DetachFromDisposeScope();
        if (initSeed is long seed) ExtraModuleInitializer.Initialize(Heads.named_parameters().Select(p => (p.name, p.parameter)), seed);
        Heads.train();
        Teacher.eval();
    }

    public void CheckBatch(RecipeBatch batch, long step)
    {
        if (step >= StartStep && (batch.GlobalViews is null || batch.LocalViews is null))
            throw new Siglip2Exception($"step {step + 1} is in the self-distillation stage but the batch has no augmented views");
    }

    public void BeforeStep(long step)
    {
        if (_ema is null) StartTeacher(copy: true);
    }

    private void StartTeacher(bool copy) =>
        _ema = new EmaTeacher([(Teacher.Vision, _model.Vision), (Teacher.SilcHead, Heads.SilcHead), (Teacher.TipsHead, Heads.TipsHead)], copy);

    /// <summary>(SILC, TIPS) of the batch's views; updates the teacher centres.</summary>
    public IReadOnlyList<LossComponent> Compute(TermInputs x)
    {
        var global = x.Batch.GlobalViews!;
        var local = x.Batch.LocalViews!;
        long n = global.shape[0];
        Tensor teacherPooled, teacherTokens;
        using (torch.no_grad())
        {
            using var t = Teacher.Vision.Forward(global);
            teacherPooled = Teacher.SilcHead.forward(t.PoolerOutput!);
            teacherTokens = Teacher.TipsHead.forward(t.LastHiddenState);
        }
        var o = _objectives;
        // SILC: every local student view against the teacher's global view of the same image
        using var localOut = _model.Vision.Forward(local);
        var studentLocal = Heads.SilcHead.forward(localOut.PoolerOutput!);
        var teacherRepeated = teacherPooled.repeat(local.shape[0] / n, 1);
        var silc = SelfDistillationLoss.Compute(studentLocal, teacherRepeated, _silcCenter, o.StudentTemperature, o.TeacherTemperature);
        // TIPS: exactly ⌊S·ratio⌋ patches of the global view masked for the student, predicted at those positions
        long patches = teacherTokens.shape[1];
        using var mask = MaskedVisionForward.RandomMask((int)n, (int)patches, o.MaskRatio, new Random(unchecked((int)x.Batch.MaskSeed)));
        using var masked = MaskedVisionForward.Forward(_model.Vision, global, mask, Heads.MaskToken);
        var studentTokens = Heads.TipsHead.forward(masked.LastHiddenState);
        var tips = SelfDistillationLoss.Compute(studentTokens[mask], teacherTokens[mask], _tipsCenter, o.StudentTemperature, o.TeacherTemperature);
        SelfDistillationLoss.UpdateCenter(_silcCenter, teacherPooled, o.CenterMomentum);
        SelfDistillationLoss.UpdateCenter(_tipsCenter, teacherTokens, o.CenterMomentum);
        return [new(SilcComponent, silc, o.SilcWeight * o.SizeFactor), new(TipsComponent, tips, o.TipsWeight * o.SizeFactor)];
    }

    public void AfterStep(long step) => _ema!.Update(_objectives.TeacherMomentum);

    public void Save(string folder)
    {
        var tensors = Heads.state_dict().Select(kv => KeyValuePair.Create("student." + kv.Key, kv.Value))
            .Concat(Teacher.state_dict().Select(kv => KeyValuePair.Create("teacher." + kv.Key, kv.Value)))
            .Append(KeyValuePair.Create("silc_center", _silcCenter)).Append(KeyValuePair.Create("tips_center", _tipsCenter));
        SafeTensorsWriter.Save(Path.Combine(folder, TrainingCheckpoint.SelfDistillationFileName), tensors,
            new Dictionary<string, string> { ["teacher_active"] = TeacherActive ? "1" : "0" });
    }

    public void Load(string folder, long step)
    {
        string path = Path.Combine(folder, TrainingCheckpoint.SelfDistillationFileName);
        TrainingCheckpoint.LoadInto(Heads, path, "student.");
        TrainingCheckpoint.LoadInto(Teacher, path, "teacher.");
        using var f = SafeTensorsFile.Open(path);
        using (torch.no_grad())
        {
            using var sc = f.ReadTensor("silc_center"); _silcCenter.copy_(sc);
            using var tc = f.ReadTensor("tips_center"); _tipsCenter.copy_(tc);
        }
        if (step >= StartStep) StartTeacher(copy: false);
    }

    public void ContinueFrom(IObjectiveTerm source, IVisionTowerConversion conversion)
    {
        var from = (SelfDistillationTerm)source;
        VisionTowerConversion.CopyInto(from.Heads, Heads, conversion);
        VisionTowerConversion.CopyInto(from.Teacher, Teacher, conversion);
        using (torch.no_grad())
        {
            _silcCenter.copy_(from._silcCenter);
            _tipsCenter.copy_(from._tipsCenter);
        }
        if (from.TeacherActive) StartTeacher(copy: false);
    }

    public void Dispose()
    {
        Heads.Dispose();
        Teacher.Dispose();
        _silcCenter.Dispose();
        _tipsCenter.Dispose();
    }
}
