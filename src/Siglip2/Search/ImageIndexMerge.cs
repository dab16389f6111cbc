namespace Siglip2.Search;

/// <summary>
/// Joins shard databases into one index: same model and decoding in every shard (else an error), every row once. The result is
/// written to a temporary database and renamed over the target, so a crash leaves the old index or the new one.
/// </summary>
public static class ImageIndexMerge
{
    public static int Merge(IReadOnlyList<string> shards, string target, int annThreshold = AnnIndex.Threshold)
    {
        if (shards.Count == 0) throw new Siglip2Exception("give the shard databases to merge");
        string? model = null, dimensions = null, decode = null;
        var rows = new Dictionary<string, IndexedImage>(StringComparer.Ordinal);
        foreach (string shard in shards)
        {
            if (Path.GetFullPath(shard) == Path.GetFullPath(target)) throw new Siglip2Exception($"--db {target} is also a shard to merge; give a new file");
            using var store = ImageIndexStore.Open(shard, create: false);
            string m = store.GetMeta("model") ?? throw new Siglip2Exception($"{shard} holds no index (no model recorded)");
            if (model is not null && m != model) throw new Siglip2Exception($"{shard} was built with '{m}', the other shards with '{model}'; shards of one index share one model");
            model = m;
            dimensions = store.GetMeta("dimensions");
            string d = store.GetMeta("decode") ?? ImageIndexer.DecodingName(null);
            if (decode is not null && d != decode) throw new Siglip2Exception($"{shard} was decoded as {d}, the other shards as {decode}; index every shard with the same decoding");
            decode = d;
            foreach (var row in store.ReadAll())
                if (!rows.TryAdd(row.Path, row))
                    throw new Siglip2Exception($"{row.Path} is in two shards ({shard} and another); were the shards made with different --shard counts?");
        }
        string temporary = target + $".{Environment.ProcessId}.merge.tmp";
        File.Delete(temporary);
        try
        {
            using (var store = ImageIndexStore.Open(temporary, create: true))
            {
                store.SetMeta("model", model!);
                if (dimensions is not null) store.SetMeta("dimensions", dimensions);
                if (decode is not null) store.SetMeta("decode", decode);
                store.Write(rows.Values.OrderBy(r => r.Path, StringComparer.Ordinal));
                if (int.TryParse(dimensions, out int d)) AnnIndex.Rebuild(store, d, annThreshold);
                store.Checkpoint();
            }
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            File.Move(temporary, target, overwrite: true);
            if (File.Exists(AnnIndex.PathFor(temporary))) File.Move(AnnIndex.PathFor(temporary), AnnIndex.PathFor(target), overwrite: true);
            else File.Delete(AnnIndex.PathFor(target));
        }
        finally
        {
            foreach (string f in new[] { temporary, temporary + "-wal", temporary + "-shm" }) File.Delete(f);
        }
        return rows.Count;
    }
}
