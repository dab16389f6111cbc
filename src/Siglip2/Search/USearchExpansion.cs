using System.Reflection;
using System.Runtime.InteropServices;
using Cloud.Unum.USearch;

namespace Siglip2.Search;

/// <summary>
/// Reads and changes how many candidates an HNSW search keeps (USearch's <c>expansion_search</c>, the recall/latency
/// knob) on an index that is already built or loaded. Written by hand because the C# binding (2.26.6) sets it only at
/// construction and a loaded file takes the library's default; the native library it ships exports
/// <c>usearch_expansion_search</c> and <c>usearch_change_expansion_search</c>, reached here through the binding's
/// native handle (its private <c>_index</c> field). If a future binding renames that field, these calls fail with a
/// clear message instead of touching anything else.
/// </summary>
public static class USearchExpansion
{
    private const string Library = "libusearch_c"; // the same native library the binding loads

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
    private static extern UIntPtr usearch_expansion_search(IntPtr index, out IntPtr error);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
    private static extern void usearch_change_expansion_search(IntPtr index, UIntPtr expansion, out IntPtr error);

    private static readonly FieldInfo? HandleField = typeof(USearchIndex).GetField("_index", BindingFlags.Instance | BindingFlags.NonPublic);

    /// <summary>The candidates the index keeps while searching now.</summary>
    public static int Get(USearchIndex index)
    {
        var value = usearch_expansion_search(Handle(index), out IntPtr error);
        Check(error, "read the search expansion");
        return checked((int)value.ToUInt64());
    }

    /// <summary>Keeps <paramref name="expansion"/> candidates in every later search of this index (≥ 1).</summary>
    public static void Set(USearchIndex index, int expansion)
    {
        if (expansion < 1) throw new ArgumentOutOfRangeException(nameof(expansion), expansion, "the search expansion must be at least 1");
        usearch_change_expansion_search(Handle(index), (UIntPtr)(ulong)expansion, out IntPtr error);
        Check(error, $"set the search expansion to {expansion}");
    }

    private static IntPtr Handle(USearchIndex index)
    {
        ArgumentNullException.ThrowIfNull(index);
        if (HandleField?.GetValue(index) is not IntPtr handle)
            throw new Siglip2Exception("this Cloud.Unum.USearch binding has no native handle field '_index'; the search expansion cannot be read or changed (pin the package version in Siglip2.csproj)");
        if (handle == IntPtr.Zero) throw new ObjectDisposedException(nameof(USearchIndex));
        return handle;
    }

    private static void Check(IntPtr error, string what)
    {
        if (error != IntPtr.Zero) throw new Siglip2Exception($"USearch could not {what}: {Marshal.PtrToStringAnsi(error)}");
    }
}
