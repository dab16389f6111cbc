using Siglip2.Modeling;
using Siglip2.Onnx.Proto;
using DataType = Siglip2.Onnx.Proto.TensorProto.Types.DataType;

namespace Siglip2.Onnx;

/// <summary>
/// The text tower as an ONNX graph, the computation of <see cref="SiglipTextTransformer"/>: <c>input_ids</c>
/// (batch_size, sequence_length) int64 → token embedding + the first sequence_length rows of the position table →
/// encoder (no attention mask, as SigLIP 2's processors pass none) → final_layer_norm → the LAST position → head.
/// Outputs <c>last_hidden_state</c>, <c>pooler_output</c> and <c>text_embeds</c> (pooler_output / ‖pooler_output‖₂).
/// Token ids are not range-checked in the graph (Gather fails on ids outside the vocabulary): the caller validates them.
/// </summary>
internal static class TextTowerGraph
{
    public const string Batch = "batch_size";
    public const string Sequence = "sequence_length";

    public static GraphProto Build(SiglipTextTransformer text, OnnxPrecision precision, OnnxGraphInterface names = OnnxGraphInterface.HuggingFace)
    {
        var c = text.Config;
        var g = new OnnxGraphBuilder("siglip_text_model");
        var e = new TransformerGraphEmitter(g, precision);
        bool immich = names == OnnxGraphInterface.Immich;
        string ids = immich
            ? g.Node("Cast", [g.Input("text", DataType.Int32, Batch, Sequence)], Attr.Int("to", (long)DataType.Int64))
            : g.Input("input_ids", DataType.Int64, Batch, Sequence);
        string tokens = g.Node("Gather", [g.Weight("text_model.embeddings.token_embedding.weight", text.TokenEmbedding.weight!), ids], Attr.Int("axis", 0));
        string length = g.Node("Shape", [ids], Attr.Int("start", 1), Attr.Int("end", 2));
        string positions = g.Node("Slice", [g.Weight("text_model.embeddings.position_embedding.weight", text.PositionEmbedding.weight!),
            g.Int64Vector(0), length, g.Int64Vector(0)]);
        string embeddings = g.Node("Add", [tokens, positions]);
        string encoded = e.Encoder(embeddings, text.Encoder, c.LayerNormEps, c.HiddenAct, null, "text_model.encoder");
        string last = e.LayerNorm(encoded, text.FinalLayerNorm, c.LayerNormEps, "text_model.final_layer_norm");
        if (!immich) g.Output("last_hidden_state", last, DataType.Float, Batch, Sequence, c.HiddenSize);
        string lastIndex = g.Node("Sub", [g.Node("Squeeze", [length, g.Int64Vector(0)]), g.Int64Scalar(1)]);
        string lastToken = g.Node("Gather", [last, lastIndex], Attr.Int("axis", 1));
        string pooled = e.Linear(lastToken, text.Head, "text_model.head");
        if (immich)
        {
            g.Output("embedding", e.L2Normalize(pooled), DataType.Float, Batch, c.ProjectionSize);
            return g.Graph;
        }
        g.Output("pooler_output", pooled, DataType.Float, Batch, c.ProjectionSize);
        g.Output("text_embeds", e.L2Normalize(pooled), DataType.Float, Batch, c.ProjectionSize);
        return g.Graph;
    }
}
