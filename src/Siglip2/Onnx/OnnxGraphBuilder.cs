using System.Runtime.InteropServices;
using Google.Protobuf;
using Siglip2.Onnx.Proto;
using static TorchSharp.torch;

namespace Siglip2.Onnx;

/// <summary>
/// Appends nodes, initializers and graph inputs/outputs to an ONNX <see cref="GraphProto"/> with unique value names.
/// Value names are strings (ONNX wires nodes by name); each helper returns the name of the value it produces.
/// </summary>
internal sealed class OnnxGraphBuilder
{
    private readonly HashSet<string> _names;
    private readonly OnnxGraphBuilder? _root;
    private int _counter;

    public GraphProto Graph { get; }

    public OnnxGraphBuilder(string name)
    {
        Graph = new GraphProto { Name = name };
        _names = new HashSet<string>(StringComparer.Ordinal);
    }

    /// <summary>A subgraph (a Loop body): its value names stay unique together with the outer graph's.</summary>
    public OnnxGraphBuilder Subgraph(string name) => new(name, _root ?? this);

    private OnnxGraphBuilder(string name, OnnxGraphBuilder root)
    {
        Graph = new GraphProto { Name = name };
        _root = root;
        _names = root._names;
    }

    /// <summary>A fresh value name starting with <paramref name="hint"/>.</summary>
    public string Fresh(string hint)
    {
        string name;
        var root = _root ?? this;
        do name = $"{hint}_{root._counter++}"; while (!_names.Add(name));
        return name;
    }

    /// <summary>Reserves an exact name (graph inputs and outputs, weights); fails when it is taken.</summary>
    public string Reserve(string name)
    {
        if (!_names.Add(name)) throw new InvalidOperationException($"ONNX value name '{name}' is used twice");
        return name;
    }

    /// <summary>Adds a one-output node and returns the output's name (fresh unless <paramref name="output"/> is given).</summary>
    public string Node(string op, IEnumerable<string> inputs, string? output = null, string domain = "", params AttributeProto[] attributes)
    {
        output ??= Fresh(op);
        var node = new NodeProto { OpType = op, Name = Fresh("n_" + op), Domain = domain };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        node.Attribute.AddRange(attributes);
        Graph.Node.Add(node);
        return output;
    }

    public string Node(string op, IEnumerable<string> inputs, params AttributeProto[] attributes) => Node(op, inputs, null, "", attributes);

    /// <summary>Adds a node with several outputs.</summary>
    public string[] NodeMulti(string op, IEnumerable<string> inputs, int outputs, string domain = "", params AttributeProto[] attributes)
    {
        var names = Enumerable.Range(0, outputs).Select(_ => Fresh(op)).ToArray();
        var node = new NodeProto { OpType = op, Name = Fresh("n_" + op), Domain = domain };
        node.Input.AddRange(inputs);
        node.Output.AddRange(names);
        node.Attribute.AddRange(attributes);
        Graph.Node.Add(node);
        return names;
    }

    /// <summary>A float32 initializer from a tensor (any float dtype; converted to fp32, row-major).</summary>
    public string Weight(string name, Tensor tensor)
    {
        using var f = tensor.detach().to_type(ScalarType.Float32).contiguous().cpu();
        var values = f.data<float>().ToArray();
        return Initializer(Reserve(name), TensorProto.Types.DataType.Float, f.shape, MemoryMarshal.AsBytes(values.AsSpan()).ToArray());
    }

    /// <summary>A float32 initializer from values.</summary>
    public string Floats(string name, float[] values, params long[] dims) =>
        Initializer(Reserve(name), TensorProto.Types.DataType.Float, dims, MemoryMarshal.AsBytes(values.AsSpan()).ToArray());

    /// <summary>An int8 initializer.</summary>
    public string SBytes(string name, sbyte[] values, params long[] dims) =>
        Initializer(Reserve(name), TensorProto.Types.DataType.Int8, dims, MemoryMarshal.AsBytes(values.AsSpan()).ToArray());

    /// <summary>An int64 initializer (shapes, axes, indices) with a fresh name.</summary>
    public string Int64s(string hint, long[] values, params long[] dims)
    {
        if (dims.Length == 0 && values.Length != 1) dims = [values.Length];
        return Initializer(Fresh(hint), TensorProto.Types.DataType.Int64, dims, MemoryMarshal.AsBytes(values.AsSpan()).ToArray());
    }

    /// <summary>A 1-D int64 constant.</summary>
    public string Int64Vector(params long[] values) => Int64s("const", values, values.Length);

    /// <summary>A 0-D (scalar) int64 constant.</summary>
    public string Int64Scalar(long value) => Initializer(Fresh("const"), TensorProto.Types.DataType.Int64, [], BitConverter.GetBytes(value));

    /// <summary>A 0-D (scalar) float32 constant.</summary>
    public string FloatScalar(float value) => Initializer(Fresh("const"), TensorProto.Types.DataType.Float, [], BitConverter.GetBytes(value));

    /// <summary>Adds an initializer under a name already reserved (by <see cref="Reserve"/> or <see cref="Fresh"/>).</summary>
    private string Initializer(string name, TensorProto.Types.DataType type, long[] dims, byte[] raw)
    {
        var t = new TensorProto { Name = name, DataType = (int)type, RawData = UnsafeByteOperations.UnsafeWrap(raw) };
        t.Dims.AddRange(dims);
        Graph.Initializer.Add(t);
        return name;
    }

    /// <summary>Declares a graph input; a dimension is a fixed size (long/int) or a symbolic name (string).</summary>
    public string Input(string name, TensorProto.Types.DataType type, params object[] dims)
    {
        Reserve(name);
        Graph.Input.Add(ValueInfo(name, type, dims));
        return name;
    }

    /// <summary>Declares a graph output, renaming <paramref name="value"/> through an Identity node.</summary>
    public void Output(string name, string value, TensorProto.Types.DataType type, params object[] dims)
    {
        Node("Identity", [value], Reserve(name));
        Graph.Output.Add(ValueInfo(name, type, dims));
    }

    /// <summary>Declares an output that a node of this graph already produces under that name (subgraphs).</summary>
    public void OutputAsIs(string name, TensorProto.Types.DataType type, params object[]? dims) =>
        Graph.Output.Add(ValueInfo(name, type, dims));

    public static ValueInfoProto ValueInfo(string name, TensorProto.Types.DataType type, object[]? dims)
    {
        var tensorType = new TypeProto.Types.Tensor { ElemType = (int)type };
        if (dims is not null)
        {
            tensorType.Shape = new TensorShapeProto();
            foreach (var d in dims)
                tensorType.Shape.Dim.Add(d switch
                {
                    string s => new TensorShapeProto.Types.Dimension { DimParam = s },
                    int i => new TensorShapeProto.Types.Dimension { DimValue = i },
                    long l => new TensorShapeProto.Types.Dimension { DimValue = l },
                    _ => throw new ArgumentException($"dimension {d} is neither a size nor a name"),
                });
        }
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = tensorType } };
    }
}
