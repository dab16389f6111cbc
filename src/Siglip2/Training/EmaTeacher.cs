using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Siglip2.Training;

/// <summary>
/// Exponential-moving-average teacher: parameter-by-parameter θ_t ← m·θ_t + (1 − m)·θ_s after each student step,
/// with no gradients into the teacher (its parameters have requires_grad = false). Initialised as an exact copy of
/// the student when created (SigLIP 2 stage 2 starts at 80% of training).
/// </summary>
public sealed class EmaTeacher
{
    private readonly List<(Parameter Teacher, Parameter Student)> _pairs = [];

    /// <summary>Pairs the parameters of <paramref name="teacher"/> and <paramref name="student"/> (same module type, same order) and copies student → teacher.</summary>
    public EmaTeacher(nn.Module teacher, nn.Module student) : this([(teacher, student)]) { }

    /// <summary>Several (teacher, student) module pairs; with <paramref name="copy"/> false the teacher keeps its weights (a resumed run).</summary>
    public EmaTeacher(IEnumerable<(nn.Module Teacher, nn.Module Student)> modules, bool copy = true)
    {
        foreach (var (teacher, student) in modules) Add(teacher, student, copy);
    }

    private void Add(nn.Module teacher, nn.Module student, bool copy)
    {
        var t = teacher.named_parameters().ToList();
        var s = student.named_parameters().ToList();
        if (t.Count != s.Count || t.Zip(s).Any(p => p.First.name != p.Second.name || !p.First.parameter.shape.SequenceEqual(p.Second.parameter.shape)))
            throw new Siglip2Exception("EMA teacher and student have different parameters");
        using var noGrad = torch.no_grad();
        foreach (var ((_, tp), (_, sp)) in t.Zip(s))
        {
            tp.requires_grad = false;
            if (copy) tp.copy_(sp);
            _pairs.Add((tp, sp));
        }
    }

    public int ParameterCount => _pairs.Count;

    /// <summary>θ_t ← m·θ_t + (1 − m)·θ_s for every pair.</summary>
    public void Update(double momentum)
    {
        if (momentum is < 0 or > 1) throw new Siglip2Exception($"EMA momentum must be in [0, 1], got {momentum}");
        using var noGrad = torch.no_grad();
        foreach (var (t, s) in _pairs) t.mul_(momentum).add_(s.detach(), alpha: 1 - momentum);
    }
}
