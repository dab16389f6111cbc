namespace Siglip2.Tests.Search;

/// <summary>Unit-length vectors for the search tests.</summary>
internal static class UnitVectors
{
    public static float[] Unit(float[] v)
    {
        float n = MathF.Sqrt(v.Sum(x => x * x));
        return v.Select(x => x / n).ToArray();
    }
}
