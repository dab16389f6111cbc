using Siglip2.Checkpoints;
using Siglip2.Configuration;
using Siglip2.Modeling;

namespace Siglip2.Cli.Commands;

/// <summary>The real-size B/16@224 layout with random weights as a checkpoint folder, for the serving and indexing benchmarks.</summary>
public static class RandomBase16Checkpoint
{
    public static void Write(string folder)
    {
        using (var model = new Siglip2Model(ModelPresets.Get("siglip2-base-patch16-224"))) CheckpointWriter.Save(model, folder);
        File.WriteAllText(Path.Combine(folder, "preprocessor_config.json"), """
            {"image_processor_type": "SiglipImageProcessor", "do_resize": true, "size": {"height": 224, "width": 224}, "resample": 2,
             "do_rescale": true, "rescale_factor": 0.00392156862745098, "do_normalize": true, "image_mean": [0.5, 0.5, 0.5], "image_std": [0.5, 0.5, 0.5]}
            """);
    }

    /// <summary>The photo both benchmarks feed (a real JPEG of the preprocessing fixtures).</summary>
    public static string Photo => Path.Combine(Infrastructure.RepositoryPaths.Root, "tests", "fixtures", "preprocess", "grace_hopper.jpg");
}
