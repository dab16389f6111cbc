namespace Siglip2.Hub;

/// <summary>
/// What a <c>HEAD …/resolve/{rev}/{file}</c> tells about a file: the commit it belongs to (<c>X-Repo-Commit</c>), its
/// identity (<c>X-Linked-Etag</c> for LFS files, the sha256 of the content; else <c>ETag</c>, the git blob id; quotes
/// removed), its size (<c>X-Linked-Size</c> / <c>Content-Length</c>) and where to GET it (the <c>Location</c> of a
/// redirect: LFS files live on another host).
/// </summary>
public sealed record HubFileMetadata(string File, string Commit, string Etag, long Size, Uri DownloadUrl)
{
    /// <summary>An LFS file's etag is the sha256 of its content, which the download is checked against.</summary>
    public bool EtagIsSha256 => Etag.Length == 64 && Etag.All(char.IsAsciiHexDigitLower);
}

/// <summary>Bytes of one file received so far, for a progress display.</summary>
public readonly record struct HubDownloadProgress(string Repo, string File, long Done, long Total);
