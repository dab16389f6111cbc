using Siglip2.Configuration;

namespace Siglip2.Processing.Images;

/// <summary>Creates the processor a <c>preprocessor_config.json</c> asks for.</summary>
public static class ImageProcessorFactory
{
    public static IImageProcessor Create(PreprocessorConfig config) => config.Kind switch
    {
        ImageProcessorKind.FixedResolution => new FixedResolutionImageProcessor(config),
        ImageProcessorKind.NaFlex => new NaFlexImageProcessor(config),
        _ => throw new ArgumentOutOfRangeException(nameof(config), config.Kind, "unknown processor kind"),
    };

    /// <summary>Reads <paramref name="preprocessorConfigPath"/> and creates its processor.</summary>
    public static IImageProcessor FromFile(string preprocessorConfigPath) => Create(PreprocessorConfig.Load(preprocessorConfigPath));

    /// <summary>Decodes the files (EXIF orientation applied unless <paramref name="decodeOptions"/> says otherwise) and preprocesses them as one batch.</summary>
    public static ImageBatch PreprocessFiles(this IImageProcessor processor, IReadOnlyList<string> paths, ImageDecodeOptions? decodeOptions = null)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var images = new RgbImage[paths.Count];
        for (int i = 0; i < paths.Count; i++)
            images[i] = ImageDecoder.DecodeFile(paths[i], decodeOptions);
        return processor.Preprocess(images);
    }
}
