namespace Siglip2.Data;

/// <summary>Which Fashion-MNIST images a scene stream draws from: the 60 000 training images or the 10 000 test
/// images (held out: none of them ever appears in a training scene).</summary>
public enum SceneSplit
{
    Train,
    HeldOut,
}
