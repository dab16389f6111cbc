namespace Siglip2.Data;

/// <summary>How one item lies relative to another (their boxes do not overlap on that axis).</summary>
public enum SpatialRelation
{
    LeftOf,
    RightOf,
    Above,
    Below,
}
