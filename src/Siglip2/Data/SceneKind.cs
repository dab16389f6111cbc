namespace Siglip2.Data;

/// <summary>How a scene was composed.</summary>
public enum SceneKind
{
    /// <summary>One untinted item filling a square black canvas, like an original Fashion-MNIST image (scaled).</summary>
    GrayOriginal,
    /// <summary>One tinted item on a coloured background.</summary>
    SingleItem,
    /// <summary>Two to four tinted items on a coloured background.</summary>
    MultiItem,
}
