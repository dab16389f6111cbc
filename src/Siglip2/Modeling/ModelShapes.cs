using Siglip2.Configuration;
using TorchSharp;

namespace Siglip2.Modeling;

/// <summary>The state-dict tensor names and shapes a configuration produces, without allocating any weight.</summary>
public static class ModelShapes
{
    private static readonly object Gate = new();

    /// <summary>Builds the model on PyTorch's "meta" device (shapes only, no memory) and lists its state dict.</summary>
    public static Dictionary<string, long[]> Describe(Siglip2Config config)
    {
        lock (Gate)
        {
            var previous = torch.get_default_device();
            torch.set_default_device(torch.META);
            try
            {
                using var model = new Siglip2Model(config);
                return model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.shape, StringComparer.Ordinal);
            }
            finally
            {
                torch.set_default_device(previous);
            }
        }
    }
}
