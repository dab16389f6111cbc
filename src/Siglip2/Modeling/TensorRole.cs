namespace Siglip2.Modeling;

/// <summary>What a tensor being converted between layouts holds: a weight or one of its AdamW moments.</summary>
public enum TensorRole
{
    Weight,
    /// <summary>AdamW's first moment (running mean of the gradient): converts like the weight where the conversion is linear.</summary>
    FirstMoment,
    /// <summary>AdamW's second moment (running mean of the squared gradient): must stay ≥ 0.</summary>
    SecondMoment,
}
