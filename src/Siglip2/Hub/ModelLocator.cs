namespace Siglip2.Hub;

/// <summary>
/// Turns what a user names as a model into a checkpoint folder: an existing folder is used as it is; otherwise a Hub id
/// <c>org/name[@rev]</c> is downloaded into (or found in) the shared Hugging Face cache (<see cref="HubClient"/>).
/// </summary>
public static class ModelLocator
{
    /// <summary>The checkpoint folder for <paramref name="modelOrId"/>; <paramref name="settings"/> default to the environment's.</summary>
    public static string Resolve(string modelOrId, HubSettings? settings = null, IProgress<HubDownloadProgress>? progress = null, CancellationToken cancel = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelOrId);
        if (Directory.Exists(modelOrId)) return modelOrId;
        if (File.Exists(modelOrId))
            throw new Siglip2Exception($"model '{modelOrId}' is a file; give a checkpoint folder (with config.json and model.safetensors) or a Hub id such as google/siglip2-base-patch16-224");
        if (!HubModelId.LooksLikeId(modelOrId) || modelOrId.StartsWith('.') || modelOrId.StartsWith('/'))
            throw new Siglip2Exception($"model folder not found: {modelOrId} (give a checkpoint folder with config.json and model.safetensors, or a Hub id org/name[@revision])");
        var id = HubModelId.Parse(modelOrId);
        using var client = new HubClient(settings ?? HubSettings.FromEnvironment(), progress);
        return client.DownloadCheckpoint(id, cancel);
    }
}
