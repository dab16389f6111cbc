namespace Siglip2.Data;

/// <summary>
/// The global order of a dataset's valid samples: epoch e reads the shards in an order shuffled with (seed, e), streams
/// their records through a <see cref="ShuffleBuffer"/> seeded with (seed, e), and the epochs follow each other
/// without a gap, so global sample g is a function of (shards, seed, buffer size, g) alone — the same for every world
/// size, every rank and a resumed run. Only metadata is read (captions and image locations, never image bytes), so
/// jumping to sample g (a resume) costs reading the metadata of the epoch up to g, plus one full metadata pass of the
/// first epoch when g lies beyond it (that pass learns the epoch's size). Not thread-safe: callers serialize.
/// </summary>
public sealed class ImageTextSampleOrder : IDisposable
{
    private const long ShardOrderStream = 0x5348_4152_4453; // "SHARDS"
    private const long BufferStream = 0x4255_4646_4552;     // "BUFFER"

    private readonly IReadOnlyList<IImageTextShard> _shards;
    private readonly long _seed;
    private readonly int _bufferSize;
    private IEnumerator<ImageTextRecord>? _cursor;
    private long _cursorEpoch = -1;
    private long _cursorIndex;

    public ImageTextSampleOrder(IReadOnlyList<IImageTextShard> shards, long seed, int shuffleBufferSize, DataSkipCounts? skips = null)
    {
        if (shards.Count == 0) throw new Siglip2Exception("an image–text dataset needs at least one shard");
        if (shuffleBufferSize < 1) throw new Siglip2Exception($"shuffle buffer size must be ≥ 1, got {shuffleBufferSize}");
        _shards = shards;
        _seed = seed;
        _bufferSize = shuffleBufferSize;
        Skips = skips ?? new DataSkipCounts();
    }

    /// <summary>The metadata-level skips found so far (each bad sample once, however often its shard is re-read).</summary>
    public DataSkipCounts Skips { get; }

    /// <summary>Valid samples per epoch, known once the first epoch has been read to its end.</summary>
    public long? SamplesPerEpoch { get; private set; }

    /// <summary>The shard indices in the order epoch <paramref name="epoch"/> reads them (Fisher–Yates with (seed, epoch)).</summary>
    public int[] ShardOrder(long epoch)
    {
        var order = Enumerable.Range(0, _shards.Count).ToArray();
        var random = new SceneRandom(_seed, ShardOrderStream, epoch);
        for (int i = order.Length - 1; i > 0; i--)
        {
            int j = random.Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }

    /// <summary>The records of epoch <paramref name="epoch"/> in their shuffled order (streamed).</summary>
    public IEnumerable<ImageTextRecord> Epoch(long epoch) =>
        ShuffleBuffer.Shuffle(ShardOrder(epoch).SelectMany(i => _shards[i].ReadRecords(Skips)), _bufferSize,
            new SceneRandom(_seed, BufferStream, epoch));

    /// <summary>Global samples <paramref name="start"/> … <paramref name="start"/> + <paramref name="count"/> − 1 (consecutive calls continue the stream cheaply).</summary>
    public ImageTextRecord[] Take(long start, int count)
    {
        if (start < 0) throw new ArgumentOutOfRangeException(nameof(start));
        var records = new ImageTextRecord[count];
        for (int k = 0; k < count; k++) records[k] = At(start + k);
        return records;
    }

    /// <summary>The epoch global sample <paramref name="global"/> belongs to (reads the first epoch's metadata if its size is not known yet).</summary>
    public long EpochOf(long global)
    {
        if (SamplesPerEpoch is null) At(global);
        // still unknown: the first epoch has not ended before sample `global`, so that sample is in it
        return SamplesPerEpoch is { } n ? global / n : 0;
    }

    private ImageTextRecord At(long global)
    {
        while (true)
        {
            long epoch = SamplesPerEpoch is { } n ? global / n : 0;
            long index = SamplesPerEpoch is { } m ? global % m : global;
            if (_cursor is null || _cursorEpoch != epoch || _cursorIndex > index)
            {
                _cursor?.Dispose();
                _cursor = Epoch(epoch).GetEnumerator();
                _cursorEpoch = epoch;
                _cursorIndex = 0;
            }
            bool ended = false;
            while (_cursorIndex <= index)
            {
                if (!_cursor.MoveNext())
                {
                    ended = true;
                    break;
                }
                if (_cursorIndex++ == index) return _cursor.Current;
            }
            if (!ended) continue;
            EpochEnded(epoch, _cursorIndex);
            _cursor.Dispose();
            _cursor = null;
        }
    }

    private void EpochEnded(long epoch, long size)
    {
        if (SamplesPerEpoch is { } known)
        {
            if (known != size)
                throw new Siglip2Exception($"the dataset changed while training: epoch {epoch} has {size:N0} usable samples, the first had {known:N0}; keep the shards unchanged during a run");
            return;
        }
        if (size == 0)
            throw new Siglip2Exception($"the dataset has no usable image–text pairs ({_shards.Count} shard{(_shards.Count == 1 ? "" : "s")}, first '{_shards[0].Name}'; {Skips.Summary()})");
        SamplesPerEpoch = size;
    }

    /// <summary>Closes the shard the stream is reading.</summary>
    public void Dispose()
    {
        _cursor?.Dispose();
        _cursor = null;
    }
}
