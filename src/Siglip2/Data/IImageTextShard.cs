namespace Siglip2.Data;

/// <summary>
/// One unit of an image–text dataset that is read front to back (a tar shard, a manifest, a slice of a captioned
/// folder); the shard order is shuffled per epoch. Reading streams: only the current sample's metadata is held.
/// Bad samples are skipped and recorded in the given <see cref="DataSkipCounts"/> (null: not counted); no bad sample
/// or corrupt file throws.
/// </summary>
public interface IImageTextShard
{
    /// <summary>The shard's file or folder, for messages.</summary>
    string Name { get; }

    /// <summary>The valid samples in file order, without their image bytes. Two reads of an unchanged shard give the same sequence.</summary>
    IEnumerable<ImageTextRecord> ReadRecords(DataSkipCounts? skips = null);

    /// <summary>The valid samples with their image bytes read; a sample whose image cannot be read is skipped as <see cref="DataSkipReason.UnreadableImage"/>.</summary>
    IEnumerable<ImageTextSample> ReadSamples(ImageTextDataLimits limits, DataSkipCounts? skips = null)
    {
        foreach (var record in ReadRecords(skips))
        {
            ImageTextSample? sample = null;
            try
            {
                sample = record.Load(limits);
            }
            catch (Siglip2Exception e)
            {
                skips?.Record(DataSkipReason.UnreadableImage, record.Source, e.Message);
            }
            if (sample is not null) yield return sample;
        }
    }
}
