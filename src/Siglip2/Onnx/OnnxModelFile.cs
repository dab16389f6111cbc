using Google.Protobuf;
using Siglip2.Configuration;
using Siglip2.Onnx.Proto;

namespace Siglip2.Onnx;

/// <summary>
/// Wraps a graph into an ONNX model (IR version 9, default-domain opset 20) and writes it. A protobuf message cannot
/// exceed 2 GiB, so when the initializers pass <see cref="OnnxExportOptions.ExternalDataThreshold"/> every initializer
/// of 1 KiB or more moves to one external data file beside the model (<c>model.onnx_data</c> for <c>model.onnx</c>,
/// offsets aligned to 4 KiB; the ONNX external-data convention: location, offset, length, relative to the model's
/// folder). Both files are written atomically, the data first.
/// </summary>
internal static class OnnxModelFile
{
    public const long IrVersion = 9;
    public const long Opset = 20;
    private const int ExternalMinBytes = 1024;
    private const int Alignment = 4096;

    public static ModelProto Wrap(GraphProto graph, IReadOnlyDictionary<string, string> metadata)
    {
        var model = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "Siglip2.NET",
            ProducerVersion = typeof(OnnxModelFile).Assembly.GetName().Version?.ToString() ?? "0",
            Graph = graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        foreach (var (key, value) in metadata)
            model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        return model;
    }

    public static long InitializerBytes(GraphProto graph) => graph.Initializer.Sum(t => (long)t.RawData.Length);

    /// <summary>Writes <paramref name="model"/> to <paramref name="path"/>; returns the external data file's path, or null.</summary>
    public static string? Save(ModelProto model, string path, long externalDataThreshold)
    {
        string? dataPath = null;
        if (InitializerBytes(model.Graph) > externalDataThreshold)
        {
            dataPath = path + "_data";
            string location = Path.GetFileName(dataPath);
            var moved = model.Graph.Initializer.Where(t => t.RawData.Length >= ExternalMinBytes).ToList();
            AtomicFile.Write(dataPath, stream =>
            {
                long offset = 0;
                foreach (var t in moved)
                {
                    long padding = (Alignment - offset % Alignment) % Alignment;
                    if (padding > 0) { stream.Write(new byte[padding]); offset += padding; }
                    t.RawData.WriteTo(stream);
                    t.DataLocation = TensorProto.Types.DataLocation.External;
                    t.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = location });
                    t.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = offset.ToString(System.Globalization.CultureInfo.InvariantCulture) });
                    t.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = t.RawData.Length.ToString(System.Globalization.CultureInfo.InvariantCulture) });
                    offset += t.RawData.Length;
                    t.RawData = ByteString.Empty;
                }
            });
        }
        else if (File.Exists(path + "_data"))
        {
            // a stale data file from an earlier, larger export would be left beside a model that does not use it
            File.Delete(path + "_data");
        }
        AtomicFile.Write(path, model.WriteTo);
        return dataPath;
    }
}
