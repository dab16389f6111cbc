namespace Siglip2.Data;

/// <summary>How <see cref="LocationTokens"/> writes a box as text.</summary>
public enum LocationFormat
{
    /// <summary>Four plain numbers separated by spaces, "x0 y0 x1 y1" (e.g. "12 40 87 99"). With the
    /// tokenizer's split digits every digit is one token; no special tokens are needed.</summary>
    Digits,

    /// <summary>Four location tokens without spaces, "&lt;loc12&gt;&lt;loc40&gt;&lt;loc87&gt;&lt;loc99&gt;". The tokenizer
    /// must know them as user-defined pieces (see <see cref="LocationTokens.AllTokens"/>).</summary>
    LocTokens,
}
