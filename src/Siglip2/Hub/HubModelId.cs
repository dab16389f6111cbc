using System.Text.RegularExpressions;

namespace Siglip2.Hub;

/// <summary>
/// A model on the Hugging Face Hub: <c>org/name</c> with an optional revision <c>org/name@rev</c> (a branch, a tag or
/// a commit; default <c>main</c>), as <c>from_pretrained</c> takes it.
/// </summary>
public sealed partial record HubModelId(string Repo, string Revision)
{
    public const string DefaultRevision = "main";

    /// <summary>The Hub's rule for repository names: letters, digits, '-', '_' and '.', not starting or ending with '-' or '.', at most 96 characters per part.</summary>
    [GeneratedRegex(@"^(?<repo>[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9_])?/[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9_])?)(?:@(?<rev>[^\s@]{1,255}))?$")]
    private static partial Regex Pattern();

    /// <summary>True for a string shaped like <c>org/name[@rev]</c> (whether or not a folder of that name exists).</summary>
    public static bool LooksLikeId(string text) => Pattern().IsMatch(text) && !text.Contains("..", StringComparison.Ordinal);

    public static HubModelId Parse(string text)
    {
        var m = Pattern().Match(text);
        if (!m.Success || text.Contains("..", StringComparison.Ordinal))
            throw new Siglip2Exception($"'{text}' is not a Hugging Face model id: expected org/name or org/name@revision, e.g. google/siglip2-base-patch16-224");
        return new HubModelId(m.Groups["repo"].Value, m.Groups["rev"].Success ? m.Groups["rev"].Value : DefaultRevision);
    }

    /// <summary>True when the revision is a full commit hash (40 hex digits).</summary>
    public bool IsCommit => IsCommitHash(Revision);

    public static bool IsCommitHash(string revision) => revision.Length == 40 && revision.All(char.IsAsciiHexDigitLower);

    public override string ToString() => Revision == DefaultRevision ? Repo : $"{Repo}@{Revision}";
}
