using Siglip2.Modeling;
using Siglip2.Onnx.Proto;
using static TorchSharp.torch;
using DataType = Siglip2.Onnx.Proto.TensorProto.Types.DataType;

namespace Siglip2.Onnx;

/// <summary>
/// The image tower as an ONNX graph, the computation of <see cref="SiglipVisionTransformer"/>:
/// <list type="bullet">
/// <item>fixed resolution: <c>pixel_values</c> (batch_size, C, image_size, image_size) → stride-p Conv → tokens +
/// position table;</item>
/// <item>NaFlex: <c>pixel_values</c> (batch_size, num_patches, C·p·p), <c>pixel_attention_mask</c> (batch_size,
/// num_patches) int64 1/0, <c>spatial_shapes</c> (batch_size, 2) int64 (h, w) → Linear patch embedding + the learned
/// √n×√n position grid resized per image to (h, w) inside the graph (a Loop over the batch: Resize (antialias since opset 18), linear,
/// half_pixel = align_corners false, antialias 1, exclude_outside 1, as Hugging Face's bilinear antialiased interpolate), rows beyond h·w
/// filled with resized position 0; padded patches masked out of every attention.</item>
/// </list>
/// Then encoder → post_layernorm → MAP head. Outputs <c>last_hidden_state</c>, <c>pooler_output</c> and
/// <c>image_embeds</c> (pooler_output / ‖pooler_output‖₂); without a head only <c>last_hidden_state</c>.
/// spatial_shapes is not checked in the graph (h·w must be ≤ num_patches and h, w ≥ 1): the caller validates it.
/// </summary>
internal static class VisionTowerGraph
{
    public const string Batch = "batch_size";
    public const string Patches = "num_patches";

    public static GraphProto Build(SiglipVisionTransformer vision, OnnxPrecision precision, OnnxGraphInterface names = OnnxGraphInterface.HuggingFace)
    {
        var c = vision.Config;
        var g = new OnnxGraphBuilder("siglip_vision_model");
        var e = new TransformerGraphEmitter(g, precision);
        string embeddings;
        string? mask = null;
        object sequence;
        if (vision.FixedEmbeddings is { } fixedEmbeddings)
        {
            string pixels = g.Input(names == OnnxGraphInterface.Immich ? "image" : "pixel_values", DataType.Float, Batch, c.NumChannels, c.ImageSize, c.ImageSize);
            var conv = fixedEmbeddings.PatchEmbedding;
            string patches = g.Node("Conv", [pixels, g.Weight("vision_model.embeddings.patch_embedding.weight", conv.weight!),
                    g.Weight("vision_model.embeddings.patch_embedding.bias", conv.bias!)],
                Attr.Ints("kernel_shape", c.PatchSize, c.PatchSize), Attr.Ints("strides", c.PatchSize, c.PatchSize));
            string tokens = g.Node("Transpose", [g.Node("Reshape", [patches, g.Int64Vector(0, 0, -1)])], Attr.Ints("perm", 0, 2, 1));
            embeddings = g.Node("Add", [tokens, g.Weight("vision_model.embeddings.position_embedding.weight", fixedEmbeddings.PositionEmbedding.weight!)]);
            sequence = c.NumPositions;
        }
        else
        {
            if (names == OnnxGraphInterface.Immich)
                throw new Siglip2Exception("Immich's image model takes fixed-size images (B, 3, H, W); this is a NaFlex checkpoint — export it with --layout onnx-community");
            var naflex = vision.NaflexEmbeddings!;
            string pixels = g.Input("pixel_values", DataType.Float, Batch, Patches, c.PatchDim);
            string keep = g.Input("pixel_attention_mask", DataType.Int64, Batch, Patches);
            string shapes = g.Input("spatial_shapes", DataType.Int64, Batch, 2);
            string patches = e.Linear(pixels, naflex.PatchEmbedding, "vision_model.embeddings.patch_embedding");
            embeddings = g.Node("Add", [patches, ResizedPositions(g, naflex, c.PositionGridSide, c.HiddenSize, pixels, shapes)]);
            mask = e.AdditiveMask(keep);
            sequence = Patches;
        }
        string encoded = e.Encoder(embeddings, vision.Encoder, c.LayerNormEps, c.HiddenAct, mask, "vision_model.encoder");
        string last = e.LayerNorm(encoded, vision.PostLayerNorm, c.LayerNormEps, "vision_model.post_layernorm");
        if (names == OnnxGraphInterface.Immich)
        {
            if (vision.Head is not { } immichHead)
                throw new Siglip2Exception("this image tower has vision_use_head = false: it has no pooled embedding for Immich");
            g.Output("embedding", e.L2Normalize(PoolingHead(e, immichHead, c.LayerNormEps, c.HiddenAct, last, mask)), DataType.Float, Batch, c.HiddenSize);
            return g.Graph;
        }
        g.Output("last_hidden_state", last, DataType.Float, Batch, sequence, c.HiddenSize);
        if (vision.Head is { } head)
        {
            string pooled = PoolingHead(e, head, c.LayerNormEps, c.HiddenAct, last, mask);
            g.Output("pooler_output", pooled, DataType.Float, Batch, c.HiddenSize);
            g.Output("image_embeds", e.L2Normalize(pooled), DataType.Float, Batch, c.HiddenSize);
        }
        return g.Graph;
    }

    /// <summary>(B, N, D): for each image the grid resized to its (h, w), flattened row-major, padded with row 0.</summary>
    private static string ResizedPositions(OnnxGraphBuilder g, NaflexPatchEmbeddings naflex, int side, int d, string pixels, string shapes)
    {
        string grid;
        using (var weight = naflex.PositionEmbedding.weight!.detach().to_type(ScalarType.Float32))
        using (var image = weight.reshape(side, side, d).permute(2, 0, 1).unsqueeze(0).contiguous())
            grid = g.Weight("vision_model.embeddings.position_embedding.grid", image);
        string shape = g.Node("Shape", [pixels]);
        string batch = g.Node("Gather", [shape, g.Int64Scalar(0)], Attr.Int("axis", 0));
        string length = g.Node("Gather", [shape, g.Int64Scalar(1)], Attr.Int("axis", 0));
        string range = g.Node("Range", [g.Int64Scalar(0), length, g.Int64Scalar(1)]);

        var body = g.Subgraph("resize_position_grid");
        string i = body.Input("resize_iteration", DataType.Int64);
        string condIn = body.Input("resize_cond_in", DataType.Bool);
        string hw = body.Node("Gather", [shapes, i], Attr.Int("axis", 0));
        string sizes = body.Node("Concat", [body.Int64Vector(1, d), hw], Attr.Int("axis", 0));
        string resized = new TransformerGraphEmitter(body, OnnxPrecision.Float32).AntialiasedBilinearResize(grid, sizes);
        string flat = body.Node("Transpose", [body.Node("Reshape", [resized, body.Int64Vector(d, -1)])], Attr.Ints("perm", 1, 0));
        string count = body.Node("ReduceProd", [hw], Attr.Int("keepdims", 0));
        string index = body.Node("Where", [body.Node("Less", [range, count]), range, body.Int64Scalar(0)]);
        string rows = body.Node("Gather", [flat, index], Attr.Int("axis", 0));
        string condOut = body.Node("Identity", [condIn], body.Fresh("cond_out"));
        body.OutputAsIs(condOut, DataType.Bool);
        body.OutputAsIs(rows, DataType.Float, Patches, d);
        return g.Node("Loop", [batch, ""], Attr.Graph("body", body.Graph));
    }

    /// <summary>The MAP head: the probe attends over the tokens, then x + mlp(layernorm(x)); returns (B, D).</summary>
    private static string PoolingHead(TransformerGraphEmitter e, MultiheadAttentionPoolingHead head, double eps,
        Configuration.HiddenActivation act, string hidden, string? mask)
    {
        var g = e.Builder;
        const string name = "vision_model.head";
        long d = head.Probe.shape[2];
        int heads = head.NumHeads, hd = (int)d / heads;
        var w = head.Attention.InProjWeight.detach().chunk(3, 0);
        var b = head.Attention.InProjBias.detach().chunk(3, 0);
        try
        {
            string probe = g.Weight(name + ".probe", head.Probe);
            // the probe's query is the same for every image: (1, 1, D) broadcasts over the batch in MatMul
            string q = e.SplitHeads(e.Linear(probe, w[0], b[0], name + ".attention.in_proj_q"), heads, hd);
            string k = e.SplitHeads(e.Linear(hidden, w[1], b[1], name + ".attention.in_proj_k"), heads, hd, transposed: true);
            string v = e.SplitHeads(e.Linear(hidden, w[2], b[2], name + ".attention.in_proj_v"), heads, hd);
            string x = e.Linear(e.Attention(q, k, v, hd, mask), head.Attention.OutProj, name + ".attention.out_proj");
            string y = g.Node("Add", [x, e.Mlp(e.LayerNorm(x, head.LayerNorm, eps, name + ".layernorm"), head.Mlp, act, name + ".mlp")]);
            return g.Node("Squeeze", [y, g.Int64Vector(1)]);
        }
        finally
        {
            foreach (var t in w.Concat(b)) t.Dispose();
        }
    }
}
