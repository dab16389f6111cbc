using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Siglip2.Modeling;

/// <summary>
/// Builds the large Linear and Embedding layers either with PyTorch's random initialisation (the default) or, inside a
/// <see cref="SkipRandomInit"/> scope, with uninitialised storage of a chosen dtype — for weights that a checkpoint
/// overwrites right after construction (random init of B/16's 375 M parameters alone takes seconds). The scope is
/// per thread, so other threads keep building normally initialised modules.
/// </summary>
public static class ParameterInitialization
{
    [ThreadStatic] private static ScalarType? _skipDtype;

    /// <summary>True inside <see cref="SkipRandomInit"/> on this thread.</summary>
    public static bool Skipping => _skipDtype is not null;

    /// <summary>
    /// Until disposed, Linear and Embedding layers of the model classes are created uninitialised in
    /// <paramref name="dtype"/>. Every such weight must be overwritten before use (the checkpoint loader checks that
    /// the file provides every tensor).
    /// </summary>
    public static IDisposable SkipRandomInit(ScalarType dtype = ScalarType.Float32)
    {
        var previous = _skipDtype;
        _skipDtype = dtype;
        return new Restore(previous);
    }

    /// <summary>nn.Linear(inFeatures, outFeatures) with a bias.</summary>
    public static Linear Linear(long inFeatures, long outFeatures)
    {
        if (_skipDtype is not { } dt) return nn.Linear(inFeatures, outFeatures);
        return nn.Linear(new Parameter(torch.empty(outFeatures, inFeatures, dt)), new Parameter(torch.empty(outFeatures, dt)));
    }

    /// <summary>nn.Embedding(count, dim).</summary>
    public static Embedding Embedding(long count, long dim)
    {
        if (_skipDtype is not { } dt) return nn.Embedding(count, dim);
        // libtorch's native Embedding always initialises its table in its constructor (Embedding_from_pretrained too,
        // and it leaves the registered parameter pointing at that random table). So: a 1-row module, then the weight
        // property set to the uninitialised table, which replaces both the native weight and the registered parameter
        // (forward looks rows up in the weight; the row count is not checked).
        var embedding = nn.Embedding(1, dim);
        embedding.weight = new Parameter(torch.empty(count, dim, dt));
        return embedding;
    }

    private sealed class Restore(ScalarType? previous) : IDisposable
    {
        private bool _done;
        public void Dispose()
        {
            if (_done) return;
            _done = true;
            _skipDtype = previous;
        }
    }
}
