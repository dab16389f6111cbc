using Siglip2.Data;
using Siglip2.Tasks;
using Siglip2.Tasks.Evaluation;
using Siglip2.Training;
using static TorchSharp.torch;

namespace Siglip2.Cli.Commands;

/// <summary>
/// Held-out retrieval of a fine-tuning run (`train --init ... --eval-data SPEC`): the first N distinct pairs of the
/// evaluation data, each image against every caption and back (R@1/R@5/R@10, <see cref="RetrievalMetrics"/>), through the
/// same reading and preprocessing as training (<see cref="ImageTextBatchSource"/>, file order, one epoch).
/// </summary>
public static class FineTuneEvaluation
{
    public static RetrievalRecall Retrieval(string modelFolder, string evalSpec, int limit, int batchSize = 32)
    {
        using var pipeline = EmbeddingPipeline.Load(modelFolder);
        using var source = new ImageTextBatchSource(ImageTextDataSpec.Parse(evalSpec), pipeline.ImageProcessor, pipeline.TextProcessor,
            new ImageTextBatchOptions { GlobalBatchSize = batchSize, ShuffleBufferSize = 1, Seed = 0 });
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var images = new List<Tensor>();
        var texts = new List<Tensor>();
        using var _ = inference_mode();
        try
        {
            for (long step = 0; seen.Count < limit && source.EpochOf(step) == 0; step++)
            {
                var (batch, rows) = source.GetBatchAndRows(step);
                using (batch)
                {
                    var keep = new List<long>();
                    for (int i = 0; i < rows.Count && seen.Count < limit; i++)
                        if (seen.Add(rows[i].Source)) keep.Add(i); // the tail of the last batch repeats the epoch's first rows
                    if (keep.Count == 0) continue;
                    using var index = tensor(keep.ToArray(), dtype: ScalarType.Int64);
                    using var tower = pipeline.Model.Vision.Forward(batch.Vision);
                    using var imageEmbeds = Siglip2.Modeling.Siglip2Model.Normalize(tower.PoolerOutput!);
                    using var textEmbeds = pipeline.Model.EmbedTexts(batch.InputIds);
                    images.Add(imageEmbeds.index_select(0, index));
                    texts.Add(textEmbeds.index_select(0, index));
                }
            }
            if (seen.Count < 2) throw new Siglip2Exception($"the evaluation data {evalSpec} holds {seen.Count} usable pair(s); retrieval needs at least 2");
            using var all = cat(images, 0);
            using var captions = cat(texts, 0);
            return RetrievalMetrics.Compute(all, captions, Enumerable.Range(0, seen.Count).ToList());
        }
        finally
        {
            foreach (var t in images.Concat(texts)) t.Dispose();
        }
    }

    /// <summary>Zero-shot top-1 on a class-folder tree (the siglip template set), as `eval --classes` computes it.</summary>
    public static double ZeroShot(string modelFolder, string classesRoot)
    {
        using var pipeline = EmbeddingPipeline.Load(modelFolder, new EmbeddingPipelineOptions { BatchSize = 64 });
        var data = Siglip2.Data.ClassFolderDataset.Load(classesRoot, null);
        var templates = PromptTemplates.Resolve("siglip");
        using var classes = ClassFolderZeroShot.ClassEmbeddings(pipeline, data.ClassNames, templates);
        return ClassFolderZeroShot.Run(pipeline, data, classes, "siglip", templates.Count).Top1;
    }
}
