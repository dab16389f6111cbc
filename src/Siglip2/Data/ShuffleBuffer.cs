namespace Siglip2.Data;

/// <summary>
/// WebDataset's streaming shuffle: items fill a buffer of a given size; once it is full, each new item replaces a
/// uniformly chosen one, which is emitted; at the end the buffer is emitted in random order. Memory is the buffer
/// only; an item moves at most about (size) places per (size) items, so shard-order shuffling supplies the long-range
/// mixing. A size of 1 keeps the order. Deterministic for a generator.
/// </summary>
public static class ShuffleBuffer
{
    public static IEnumerable<T> Shuffle<T>(IEnumerable<T> source, int size, SceneRandom random)
    {
        if (size < 1) throw new Siglip2Exception($"shuffle buffer size must be ≥ 1, got {size}");
        var buffer = new List<T>(Math.Min(size, 1 << 16));
        foreach (T item in source)
        {
            if (buffer.Count < size)
            {
                buffer.Add(item);
                continue;
            }
            int j = random.Next(size);
            T chosen = buffer[j];
            buffer[j] = item;
            yield return chosen;
        }
        while (buffer.Count > 0)
        {
            int j = random.Next(buffer.Count);
            T chosen = buffer[j];
            buffer[j] = buffer[^1];
            buffer.RemoveAt(buffer.Count - 1);
            yield return chosen;
        }
    }
}
