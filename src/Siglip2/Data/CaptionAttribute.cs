namespace Siglip2.Data;

/// <summary>
/// The binary caption attribute of the fairness experiment (docs/results.md, "Representation bias"): a stand-in for a
/// sensitive attribute such as gender, as in SigLIP 2 §4 after Alabdulmohsin et al., "CLIP the Bias" (2024). It is a
/// maker's name, "by Aster" or "by Boreal", written into some English captions of single-item scenes and never visible
/// in the image, so any preference a model learns between the two for an item class is a bias taken from the captions'
/// co-occurrence statistics. The two invented names and the split of the ten classes into two groups (by class id
/// parity: one group leans to Aster, the other to Boreal under <see cref="FashionScenesConfig.AttributeClassBias"/>)
/// are arbitrary on purpose: they carry no meaning a real stereotype could lend them.
/// </summary>
public static class CaptionAttribute
{
    /// <summary>The two values: 0 = Aster, 1 = Boreal.</summary>
    public static readonly string[] Names = ["Aster", "Boreal"];

    /// <summary>The attribute value a class's group leans to when the captions are biased: even ids → Aster, odd → Boreal.</summary>
    public static int FavouredBy(int classId) => classId % 2;

    /// <summary>
    /// P(Aster | class) under the config: the prevalence of Aster, moved by half the class bias towards the value the
    /// class's group favours, clamped to [0, 1].
    /// </summary>
    public static double AsterProbability(FashionScenesConfig config, int classId)
    {
        double shift = FavouredBy(classId) == 0 ? config.AttributeClassBias / 2 : -config.AttributeClassBias / 2;
        return Math.Clamp(config.AttributePrevalence + shift, 0, 1);
    }

    /// <summary>"A photo of a bag." → "A photo of a bag by Aster." (before the final full stop, if any).</summary>
    public static string Apply(string caption, int attribute)
    {
        string phrase = " by " + Names[attribute];
        return caption.EndsWith('.') ? caption[..^1] + phrase + "." : caption + phrase;
    }
}
