using Siglip2.Checkpoints;
using Siglip2.Configuration;
using Siglip2.Modeling;
using Siglip2.Processing.Images;
using Siglip2.Processing.Text;

namespace Siglip2.Training;

/// <summary>
/// A checkpoint folder loaded with its own processors — the model (config.json + model.safetensors), its image
/// processor (preprocessor_config.json) and its text pipeline (tokenizer file + tokenizer_config.json) — as the
/// learner and the teacher of an ACID stage need them: each model sees the same scenes through its own tokenizer and
/// image size.
/// </summary>
public sealed class ScoringCheckpoint : IDisposable
{
    public string Folder { get; }
    public Siglip2Model Model { get; }
    public IImageProcessor Images { get; }
    public SiglipTextProcessor Text { get; }

    private ScoringCheckpoint(string folder, Siglip2Model model, IImageProcessor images, SiglipTextProcessor text)
    {
        Folder = folder; Model = model; Images = images; Text = text;
    }

    /// <param name="role">"learner" or "teacher", for the error messages.</param>
    public static ScoringCheckpoint Load(string folder, string role)
    {
        if (!Directory.Exists(folder))
            throw new Siglip2Exception($"{role} checkpoint folder not found: {folder} (pass a folder written by `siglip2 train`)");
        if (!File.Exists(Path.Combine(folder, "config.json")))
            throw new Siglip2Exception($"{role} folder {folder} has no config.json: it is not a checkpoint (pass a folder written by `siglip2 train`)");
        string preprocessor = Path.Combine(folder, "preprocessor_config.json");
        if (!File.Exists(preprocessor))
            throw new Siglip2Exception($"{role} folder {folder} has no preprocessor_config.json: the {role}'s image settings are needed to prepare its inputs");
        var images = ImageProcessorFactory.Create(PreprocessorConfig.Load(preprocessor));
        var text = SiglipTextProcessor.FromFolder(folder);
        var model = CheckpointLoader.Load(folder);
        if (!model.Config.IsDualTower || model.LogitScale is null || model.LogitBias is null)
        {
            string type = model.Config.ModelType;
            model.Dispose();
            throw new Siglip2Exception($"{role} checkpoint {folder} is a {type} model without both towers; ACID scores image–text pairs and needs a dual-tower SigLIP model");
        }
        return new ScoringCheckpoint(folder, model, images, text);
    }

    public void Dispose() => Model.Dispose();
}
