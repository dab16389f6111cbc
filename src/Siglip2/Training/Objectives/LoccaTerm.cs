using Siglip2.Checkpoints;
using Siglip2.Configuration;
using Siglip2.Modeling;
using TorchSharp.Modules;

namespace Siglip2.Training.Objectives;

/// <summary>
/// LocCa (SigLIP 2 §2.2): a transformer decoder cross-attending to the image tower's patch tokens learns captioning,
/// referring expressions and grounded captions, from the first step, weight <see cref="TrainingObjectives.LoccaWeight"/>.
/// The batch's decoder rows (<see cref="RecipeBatch.DecoderInputs"/>) are k·B rows for B images; image i's tokens are
/// the memory of rows i, B + i, 2B + i, …. Saved as <see cref="TrainingCheckpoint.DecoderFileName"/>.
/// </summary>
public sealed class LoccaTerm : IObjectiveTerm
{
    public const string TermName = "locca";

    private readonly TrainingObjectives _objectives;

    public LoccaDecoder Decoder { get; }
    public string Name => TermName;
    public IReadOnlyList<string> Components { get; } = [TermName];
    public long StartStep => 0;
    public IEnumerable<(string Name, Parameter Parameter)> Parameters => Decoder.named_parameters().Select(p => ("locca_decoder." + p.name, p.parameter));

    /// <param name="initSeed">seed of a fresh decoder's initialisation (<see cref="ExtraModuleInitializer"/>); null leaves it to <see cref="Load"/> or <see cref="ContinueFrom"/>.</param>
    public LoccaTerm(Siglip2Config config, TrainingObjectives objectives, int decoderVocab, long? initSeed)
    {
        _objectives = objectives;
        Decoder = CreateDecoder(config, objectives, decoderVocab);
        if (initSeed is long seed) ExtraModuleInitializer.Initialize(Decoder.named_parameters().Select(p => (p.name, p.parameter)), seed);
        Decoder.train();
    }

    /// <summary>The decoder shape of the recipe: the text tower's width, heads and MLP, half its depth (at least 1).</summary>
    public static LoccaDecoder CreateDecoder(Siglip2Config config, TrainingObjectives objectives, int decoderVocab)
    {
        var text = config.Text ?? throw new Siglip2Exception("the LocCa decoder needs a checkpoint with a text config");
        return new LoccaDecoder(decoderVocab, text.HiddenSize, Math.Max(1, text.NumHiddenLayers / 2), text.NumAttentionHeads,
            text.IntermediateSize, objectives.LoccaLength, config.Vision!.HiddenSize);
    }

    public void CheckBatch(RecipeBatch batch, long step)
    {
        if (batch.DecoderInputs is null) throw new Siglip2Exception("LocCa is on but the batch has no decoder rows");
    }

    public IReadOnlyList<LossComponent> Compute(TermInputs x)
    {
        var pairs = x.Batch.Pairs;
        long rows = x.Batch.DecoderInputs!.shape[0], b = pairs.BatchSize;
        var memory = x.Tower.LastHiddenState.repeat(rows / b, 1, 1);
        // NaFlex: padded patches are hidden from the cross-attention as from the encoder
        var memoryMask = pairs.IsNaflex ? AttentionMask.ToAdditive(pairs.PixelAttentionMask!, memory.dtype).repeat(rows / b, 1, 1, 1) : null;
        var hidden = Decoder.Forward(x.Batch.DecoderInputs, memory, x.Batch.DecoderMask, memoryMask);
        var loss = ChunkedCrossEntropy.Compute(hidden, Decoder.Logits, x.Batch.DecoderTargets!, _objectives.CrossEntropyChunk);
        return [new(TermName, loss, _objectives.LoccaWeight)];
    }

    public void Save(string folder) => SafeTensorsWriter.Save(Path.Combine(folder, TrainingCheckpoint.DecoderFileName), Decoder.state_dict());

    public void Load(string folder, long step) => TrainingCheckpoint.LoadInto(Decoder, Path.Combine(folder, TrainingCheckpoint.DecoderFileName), "");

    public void ContinueFrom(IObjectiveTerm source, IVisionTowerConversion conversion) =>
        VisionTowerConversion.CopyInto(((LoccaTerm)source).Decoder, Decoder, conversion);

    public void Dispose() => Decoder.Dispose();
}
