using Siglip2.Configuration;

namespace Siglip2.Hub;

/// <summary>
/// The Hugging Face cache layout, identical to <c>huggingface_hub</c>'s, so either side reuses the other's downloads:
/// <c>{cache}/models--{org}--{name}/blobs/{etag}</c> holds each file once, <c>snapshots/{commit}/{path}</c> is a
/// relative symbolic link to its blob, and <c>refs/{revision}</c> holds the commit a branch or tag pointed to.
/// A partial download is <c>blobs/{etag}.incomplete</c>; a file appears in <c>snapshots/</c> only complete and verified.
/// </summary>
public sealed class HubCache(string root)
{
    public string Root { get; } = root;

    public string RepoFolder(string repo) => Path.Combine(Root, "models--" + repo.Replace("/", "--", StringComparison.Ordinal));
    public string BlobPath(string repo, string etag) => Path.Combine(RepoFolder(repo), "blobs", etag);
    public string SnapshotFolder(string repo, string commit) => Path.Combine(RepoFolder(repo), "snapshots", commit);
    public string RefPath(string repo, string revision) => Path.Combine(RepoFolder(repo), "refs", revision);

    /// <summary>The commit of <paramref name="id"/> known to the cache: the revision itself if it is a commit, else refs/{revision}.</summary>
    public string? CachedCommit(HubModelId id)
    {
        if (id.IsCommit) return Directory.Exists(SnapshotFolder(id.Repo, id.Revision)) ? id.Revision : null;
        string path = RefPath(id.Repo, id.Revision);
        if (!File.Exists(path)) return null;
        string commit = File.ReadAllText(path).Trim();
        return HubModelId.IsCommitHash(commit) ? commit : null;
    }

    /// <summary>Records that <paramref name="revision"/> points at <paramref name="commit"/> (atomically).</summary>
    public void WriteRef(string repo, string revision, string commit)
    {
        if (HubModelId.IsCommitHash(revision)) return;
        string path = RefPath(repo, revision);
        if (File.Exists(path) && File.ReadAllText(path).Trim() == commit) return;
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        AtomicFile.Write(path, s => s.Write(System.Text.Encoding.ASCII.GetBytes(commit)));
    }

    /// <summary>
    /// Makes <c>snapshots/{commit}/{file}</c> a relative symbolic link to <c>blobs/{etag}</c>, atomically (a link under a
    /// temporary name, renamed into place); where links cannot be made, the blob is copied (as huggingface_hub does).
    /// </summary>
    public string LinkSnapshot(string repo, string commit, string file, string etag)
    {
        string target = Path.Combine(SnapshotFolder(repo, commit), file);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        string blob = BlobPath(repo, etag);
        string relative = Path.GetRelativePath(Path.GetDirectoryName(target)!, blob);
        string temporary = target + $".{Environment.ProcessId}.{Guid.NewGuid():N}.link";
        try
        {
            File.CreateSymbolicLink(temporary, relative);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or PlatformNotSupportedException)
        {
            File.Copy(blob, temporary);
        }
        File.Move(temporary, target, overwrite: true);
        return target;
    }
}
