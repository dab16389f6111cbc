using System.Security.Cryptography;
using System.Text;
using Siglip2.Data;

namespace Siglip2.Tests.Data;

/// <summary>
/// FashionScenes occlusion (<see cref="FashionScenesConfig.OcclusionShare"/>): the default stream is bit for bit the one
/// made before the option existed, and occluded scenes paint, mask and depth-map the nearer item at every shared pixel.
/// </summary>
public class FashionScenesOcclusionTests
{
    /// <summary>
    /// SHA-256 of the first 50 train and 50 held-out scenes of the default config (<see cref="StreamHash"/>), recorded on
    /// commit eb09fba, before occlusion was added: any change to the default stream's random draws or pixels breaks it.
    /// </summary>
    private const string DefaultStreamGolden = "364A6E6E8B27FD8C6ADAA26B3628135A6AB74102F70B88D0E312C482BF8C8847";

    /// <summary>A hash over every field of each scene: size, kind, language, caption, attribute, pixels, mask, items and region texts.</summary>
    internal static string StreamHash(FashionScenesConfig config, int count = 50)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Int(long v) => hash.AppendData(BitConverter.GetBytes(v));
        void Text(string s) { var b = Encoding.UTF8.GetBytes(s); Int(b.Length); hash.AppendData(b); }
        void Box(PixelBox b) { Int(b.X0); Int(b.Y0); Int(b.X1); Int(b.Y1); }
        foreach (var split in new[] { SceneSplit.Train, SceneSplit.HeldOut })
        {
            var scenes = new FashionScenes(SharedFashionMnist.Data, config, split);
            foreach (var s in scenes.Stream(0, count))
            {
                Int(s.Index); Int(s.Width); Int(s.Height); Int((int)s.Kind); Text(s.Language); Text(s.Caption); Int(s.Attribute ?? -1);
                hash.AppendData(s.Rgb);
                hash.AppendData(s.ClassMask);
                Int(s.Items.Count);
                foreach (var item in s.Items) { Int(item.ClassId); Int(item.ColorId ?? -1); Box(item.Box); Int(item.SourceIndex); }
                foreach (var r in s.ReferringExpressions.Concat(s.RegionCaptions)) { Int(r.ItemIndex); Box(r.Box); Text(r.Text); }
            }
        }
        return Convert.ToHexString(hash.GetHashAndReset());
    }

    [Fact]
    public void TheDefaultStreamIsBitForBitTheOneBeforeOcclusion()
    {
        Assert.Equal(DefaultStreamGolden, StreamHash(new FashionScenesConfig()));
    }
}
