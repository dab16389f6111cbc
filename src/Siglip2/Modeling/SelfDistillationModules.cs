using Siglip2.Configuration;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Siglip2.Modeling;

/// <summary>
/// The student's training-only SILC/TIPS parts: <c>silc_head</c> (pooled embedding → prototypes), <c>tips_head</c>
/// (per-patch features → prototypes) and the learned <c>mask_token</c> that replaces masked patch embeddings.
/// </summary>
public sealed class SelfDistillationHeads : nn.Module
{
    private readonly SslProjectionHead silc_head;
    private readonly SslProjectionHead tips_head;
    private readonly Parameter mask_token;

    public SslProjectionHead SilcHead => silc_head;
    public SslProjectionHead TipsHead => tips_head;
    public Parameter MaskToken => mask_token;

    public SelfDistillationHeads(int width, int prototypes) : base(nameof(SelfDistillationHeads))
    {
        silc_head = new SslProjectionHead(width, 2 * width, Math.Max(16, width / 2), prototypes);
        tips_head = new SslProjectionHead(width, 2 * width, Math.Max(16, width / 2), prototypes);
        mask_token = new Parameter(torch.zeros(width, ScalarType.Float32));
        RegisterComponents();
    }
}

/// <summary>The EMA teacher: a copy of the image tower and of the two SSL heads (no gradients).</summary>
public sealed class SelfDistillationTeacher : nn.Module
{
    private readonly SiglipVisionTransformer vision_model;
    private readonly SslProjectionHead silc_head;
    private readonly SslProjectionHead tips_head;

    public SiglipVisionTransformer Vision => vision_model;
    public SslProjectionHead SilcHead => silc_head;
    public SslProjectionHead TipsHead => tips_head;

    public SelfDistillationTeacher(VisionConfig vision, int prototypes) : base(nameof(SelfDistillationTeacher))
    {
        vision_model = new SiglipVisionTransformer(vision);
        int w = vision.HiddenSize;
        silc_head = new SslProjectionHead(w, 2 * w, Math.Max(16, w / 2), prototypes);
        tips_head = new SslProjectionHead(w, 2 * w, Math.Max(16, w / 2), prototypes);
        RegisterComponents();
        foreach (var p in parameters()) p.requires_grad = false;
    }
}
