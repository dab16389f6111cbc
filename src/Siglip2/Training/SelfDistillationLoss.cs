using TorchSharp;
using static TorchSharp.torch;

namespace Siglip2.Training;

/// <summary>
/// DINO-style self-distillation loss used for SILC (global teacher view vs local student views) and TIPS (masked
/// patch prediction): the teacher's scores are centred and sharpened, p_t = softmax((z_t − c) / τ_t); the student's
/// are log_softmax(z_s / τ_s); the loss is the cross-entropy −Σ_k p_t,k · log p_s,k averaged over rows. No gradient
/// flows into the teacher side. The centre c is an exponential moving average of the teacher's mean scores,
/// c ← m_c·c + (1 − m_c)·mean(z_t), updated after each step (DINO, arXiv 2104.14294; SILC, arXiv 2310.13355;
/// TIPS, arXiv 2410.16512).
/// </summary>
public static class SelfDistillationLoss
{
    /// <param name="student">(N, K) student scores.</param>
    /// <param name="teacher">(N, K) teacher scores (detached here).</param>
    /// <param name="center">(K) teacher centre.</param>
    public static Tensor Compute(Tensor student, Tensor teacher, Tensor center, double studentTemperature, double teacherTemperature)
    {
        using var scope = NewDisposeScope();
        var target = torch.softmax((teacher.detach() - center) / teacherTemperature, -1);
        var logProbs = nn.functional.log_softmax(student / studentTemperature, -1);
        return (-(target * logProbs).sum(-1)).mean().MoveToOuterDisposeScope();
    }

    /// <summary>In place: c ← momentum·c + (1 − momentum)·mean over rows of <paramref name="teacher"/>.</summary>
    public static void UpdateCenter(Tensor center, Tensor teacher, double momentum)
    {
        using var noGrad = torch.no_grad();
        using var mean = teacher.detach().reshape(-1, teacher.shape[^1]).mean([0]);
        center.mul_(momentum).add_(mean, alpha: 1 - momentum);
    }
}
