namespace Siglip2.Training;

/// <summary>
/// The two SigLIP 2 continuation stages after the main run (paper §2.4): a fixed-resolution variant at another
/// image size (from 95% of the schedule, all losses) and the NaFlex variant (from 90%, sigmoid + LocCa only).
/// </summary>
public enum StageVariant
{
    /// <summary>Fixed resolution at a new square size, position embedding resized; continues from 95%.</summary>
    Fixed,
    /// <summary>NaFlex image tower (aspect-preserving, variable sequence length); continues from 90%.</summary>
    Naflex,
}
