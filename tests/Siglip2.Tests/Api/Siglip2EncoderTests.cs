using Siglip2.Tasks;
using static Siglip2.Tests.Api.ApiReference;

namespace Siglip2.Tests.Api;

/// <summary>The high-level API against the Hugging Face reference outputs of both tiny fixtures.</summary>
public class Siglip2EncoderTests
{
    [Theory]
    [InlineData(Fixed)]
    [InlineData(NaFlex)]
    public void ImagesFromPathsStreamsAndBytesGiveTheReferenceEmbeddings(string fixture)
    {
        var paths = Images(fixture);
        // batch size 2: the 3 or 4 images are split into batches, in order
        using var encoder = Siglip2Encoder.Load(FixturePaths.Path(fixture), new Siglip2EncoderOptions { BatchSize = 2 });
        Assert.Equal(64, encoder.Dimensions);
        Assert.Equal(fixture, encoder.ModelId);
        Assert.Equal(fixture == NaFlex, encoder.IsNaFlex);

        AssertClose(encoder.EmbedImages(paths), fixture, "image_embeds");
        AssertClose(paths.Select(p => encoder.EmbedImage(p)).ToArray(), fixture, "image_embeds");

        var bytes = paths.Select(File.ReadAllBytes).ToArray();
        AssertClose(encoder.EmbedImages(bytes), fixture, "image_embeds");
        AssertClose(encoder.EmbedImages(bytes.Select(b => (ReadOnlyMemory<byte>)b).ToArray()), fixture, "image_embeds");
        AssertClose(bytes.Select(b => encoder.EmbedImage(b)).ToArray(), fixture, "image_embeds");
        AssertClose(bytes.Select(b => encoder.EmbedImage(new ReadOnlyMemory<byte>(b))).ToArray(), fixture, "image_embeds");

        var streams = paths.Select(p => (Stream)File.OpenRead(p)).ToArray();
        try { AssertClose(encoder.EmbedImages(streams), fixture, "image_embeds"); }
        finally { foreach (var s in streams) s.Dispose(); }
        AssertClose(paths.Select(p => { using var s = File.OpenRead(p); return encoder.EmbedImage(s); }).ToArray(), fixture, "image_embeds");

        // a stream is read from its current position
        using var prefixed = new MemoryStream([1, 2, 3, .. bytes[0]]);
        prefixed.Position = 3;
        AssertClose([encoder.EmbedImage(prefixed)], fixture, "image_embeds", rows: 1);

        Assert.Empty(encoder.EmbedImages(Array.Empty<string>()));
    }

    [Theory]
    [InlineData(Fixed)]
    [InlineData(NaFlex)]
    public void TextsGiveTheReferenceEmbeddings(string fixture)
    {
        using var folder = FolderWithTokenizer(fixture);
        var texts = ReferenceTexts(fixture);
        // the test's tokenizer turns the texts into exactly the reference ids
        var ids = Siglip2.Processing.Text.SiglipTextProcessor.FromFolder(folder.Path).Process(texts).Ids;
        Assert.Equal(Expected(fixture, "input_ids").SelectMany(r => r).Select(v => (long)v), ids);
        using var encoder = Siglip2Encoder.Load(folder.Path, new Siglip2EncoderOptions { BatchSize = 2, ModelId = "tests/" + fixture });
        Assert.Equal("tests/" + fixture, encoder.ModelId);
        AssertClose(encoder.EmbedTexts(texts), fixture, "text_embeds");
        AssertClose(texts.Select(t => encoder.EmbedText(t)).ToArray(), fixture, "text_embeds");

        // text 1 fills all 15 content positions; longer is truncated to it (the reference processor's rule) ...
        string longer = texts[0] + texts[1];
        AssertClose([encoder.EmbedText(longer)], fixture, "text_embeds", rows: 1);
        // ... or refused when truncation is off
        using var strict = Siglip2Encoder.Load(folder.Path, new Siglip2EncoderOptions { TruncateTexts = false });
        AssertClose([strict.EmbedText(texts[0])], fixture, "text_embeds", rows: 1);
        var e = Assert.Throws<Siglip2Exception>(() => strict.EmbedText(longer));
        Assert.Contains("text 1", e.Message);
        Assert.Empty(encoder.EmbedTexts([]));
    }

    [Theory]
    [InlineData(Fixed)]
    [InlineData(NaFlex)]
    public void ClassifyGivesSigmoidOfScaledCosinePlusBias(string fixture)
    {
        using var folder = FolderWithTokenizer(fixture);
        var labels = ReferenceTexts(fixture);
        var paths = Images(fixture);
        using var encoder = Siglip2Encoder.Load(folder.Path);
        // a logit within the reference tolerance puts its sigmoid within a quarter of it
        double tolerance = Tolerance(fixture, "logits_per_image");
        var expectedLogits = Expected(fixture, "logits_per_image");

        void Check(int image, IReadOnlyList<LabelProbability> result)
        {
            Assert.Equal(labels.Length, result.Count);
            Assert.Equal(labels.Order(StringComparer.Ordinal), result.Select(r => r.Label).Order(StringComparer.Ordinal));
            for (int k = 1; k < result.Count; k++) Assert.True(result[k - 1].Probability >= result[k].Probability, "sorted, most probable first");
            foreach (var r in result)
            {
                int t = Array.IndexOf(labels, r.Label);
                var (logit, probability) = ReferenceScore(fixture, image, t);
                Assert.True(Math.Abs(r.Probability - probability) <= tolerance, $"image {image} label {t}: p {r.Probability} vs {probability}");
                Assert.True(Math.Abs(r.Logit - logit) <= tolerance, $"image {image} label {t}: logit {r.Logit} vs {logit}");
                Assert.True(Math.Abs(r.Logit - expectedLogits[image][t]) <= tolerance, $"image {image} label {t}: logit {r.Logit} vs HF {expectedLogits[image][t]}");
            }
        }

        // template "{}": the prompt is the label itself, i.e. the reference text
        var all = encoder.Classify(paths, labels, "{}");
        Assert.Equal(paths.Length, all.Count);
        for (int i = 0; i < paths.Length; i++) Check(i, all[i]);
        Check(0, encoder.Classify(paths[0], labels, "{}"));
        Check(1, encoder.Classify(File.ReadAllBytes(paths[1]), labels, "{}"));
        using (var s = File.OpenRead(paths[2])) Check(2, encoder.Classify(s, labels, "{}"));
        Check(2, encoder.Classify(new ReadOnlyMemory<byte>(File.ReadAllBytes(paths[2])), labels, "{}"));
        var fromBytes = encoder.Classify(paths.Select(File.ReadAllBytes).ToArray(), labels, "{}");
        for (int i = 0; i < paths.Length; i++) Check(i, fromBytes[i]);

        // Score on the encoder's own embeddings: the model's logits_per_image
        var images = encoder.EmbedImages(paths);
        var texts = encoder.EmbedTexts(labels);
        var scores = encoder.Score(images, texts);
        for (int i = 0; i < paths.Length; i++)
            for (int t = 0; t < labels.Length; t++)
            {
                var (logit, probability) = ReferenceScore(fixture, i, t);
                Assert.True(Math.Abs(scores[i][t].Logit - logit) <= tolerance);
                Assert.True(Math.Abs(scores[i][t].Probability - probability) <= tolerance);
            }
        var one = encoder.Score(images[1], texts[2]);
        Assert.Equal(scores[1][2].Logit, one.Logit, 1e-5);
        Assert.Equal(scores[1][2].Probability, one.Probability, 1e-6);
    }

    [Fact]
    public void DefaultTemplateIsTheSiglipPrompt()
    {
        using var folder = FolderWithTokenizer(Fixed);
        using var encoder = Siglip2Encoder.Load(folder.Path);
        var image = Images(Fixed)[0];
        // the default template fills the label into "this is a photo of {}." exactly like an explicit one
        var byDefault = encoder.Classify(image, ["一二", "三"]);
        var explicitly = encoder.Classify(image, ["一二", "三"], "this is a photo of {}.");
        Assert.Equal(explicitly, byDefault);
        Assert.Equal("this is a photo of {}.", Siglip2Encoder.DefaultTemplate);
    }

    [Fact]
    public void ConcurrentCallsGiveIdenticalResults()
    {
        using var folder = FolderWithTokenizer(NaFlex);
        var paths = Images(NaFlex);
        var labels = ReferenceTexts(NaFlex);
        using var encoder = Siglip2Encoder.Load(folder.Path, new Siglip2EncoderOptions { BatchSize = 3 });
        // single-threaded results of every call the threads make (a batch may round differently from a single input
        // in the last bit, so each call is compared with the same call)
        var images = encoder.EmbedImages(paths);
        var texts = encoder.EmbedTexts(labels);
        var singleImages = paths.Select(p => encoder.EmbedImage(p)).ToArray();
        var singleTexts = labels.Select(t => encoder.EmbedText(t)).ToArray();
        var classified = encoder.Classify(paths, labels, "{}");
        AssertClose(images, NaFlex, "image_embeds");
        AssertClose(texts, NaFlex, "text_embeds");
        AssertClose(singleImages, NaFlex, "image_embeds");
        AssertClose(singleTexts, NaFlex, "text_embeds");

        const int threads = 6;
        using var start = new Barrier(threads);
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        var workers = Enumerable.Range(0, threads).Select(w => new Thread(() =>
        {
            try
            {
                start.SignalAndWait();
                for (int round = 0; round < 3; round++)
                {
                    // each thread starts with another entry point and input, so the calls interleave
                    int i = (w + round) % paths.Length, t = (w + round) % labels.Length;
                    if (!encoder.EmbedImage(File.ReadAllBytes(paths[i])).SequenceEqual(singleImages[i])) failures.Add($"thread {w}: image {i}");
                    if (!encoder.EmbedText(labels[t]).SequenceEqual(singleTexts[t])) failures.Add($"thread {w}: text {t}");
                    var all = encoder.EmbedImages(paths);
                    for (int k = 0; k < paths.Length; k++)
                        if (!all[k].SequenceEqual(images[k])) failures.Add($"thread {w}: batch image {k}");
                    var allTexts = encoder.EmbedTexts(labels);
                    for (int k = 0; k < labels.Length; k++)
                        if (!allTexts[k].SequenceEqual(texts[k])) failures.Add($"thread {w}: batch text {k}");
                    var c = encoder.Classify(paths, labels, "{}");
                    for (int k = 0; k < paths.Length; k++)
                        if (!c[k].SequenceEqual(classified[k])) failures.Add($"thread {w}: classify {k}");
                }
            }
            catch (Exception e) { failures.Add($"thread {w}: {e.GetType().Name}: {e.Message}"); }
        })).ToList();
        foreach (var t in workers) t.Start();
        foreach (var t in workers) t.Join();
        Assert.True(failures.IsEmpty, string.Join("; ", failures.Order()));
    }

    [Fact]
    public void BadInputsGiveOneLineErrors()
    {
        using var folder = FolderWithTokenizer(Fixed);
        using var encoder = Siglip2Encoder.Load(folder.Path);
        var image = Images(Fixed)[0];
        byte[] corrupt = [0x89, 0x50, 0x4E, 0x47, 1, 2, 3];
        var truncated = File.ReadAllBytes(image)[..200];

        var errors = new List<Siglip2Exception>
        {
            Assert.Throws<Siglip2Exception>(() => encoder.EmbedImage(corrupt)),
            Assert.Throws<Siglip2Exception>(() => encoder.EmbedImage(truncated)),
            Assert.Throws<Siglip2Exception>(() => encoder.EmbedImage(Array.Empty<byte>())),
            Assert.Throws<Siglip2Exception>(() => encoder.EmbedImage("not an image"u8.ToArray())),
            Assert.Throws<Siglip2Exception>(() => encoder.EmbedImage(new MemoryStream(corrupt))),
            Assert.Throws<Siglip2Exception>(() => encoder.EmbedImage(folder.File("missing.png"))),
            Assert.Throws<Siglip2Exception>(() => encoder.EmbedImages([File.ReadAllBytes(image), corrupt])),
            Assert.Throws<Siglip2Exception>(() => encoder.Classify(image, [])),
            Assert.Throws<Siglip2Exception>(() => encoder.Classify(image, ["一", " "])),
            Assert.Throws<Siglip2Exception>(() => encoder.Classify(image, ["一", "一"])),
            Assert.Throws<Siglip2Exception>(() => encoder.Classify(image, ["一"], "no placeholder")),
            Assert.Throws<Siglip2Exception>(() => encoder.Score(new float[3], new float[64])),
            Assert.Throws<Siglip2Exception>(() => Siglip2Encoder.Load(folder.File("no-such-model"))),
            Assert.Throws<Siglip2Exception>(() => Siglip2Encoder.Load(folder.Path, new Siglip2EncoderOptions { BatchSize = 0 })),
            Assert.Throws<Siglip2Exception>(() => Siglip2Encoder.Load(folder.Path, new Siglip2EncoderOptions { MaxNumPatches = 64 })),
            Assert.Throws<Siglip2Exception>(() =>
            {
                using var small = Siglip2Encoder.Load(folder.Path, new Siglip2EncoderOptions { MaxImagePixels = 10 });
                small.EmbedImage(image);
            }),
        };
        Assert.Contains("in-memory image 2", errors[6].Message);
        Assert.Contains("label 2", errors[8].Message);
        // the fixture itself has no tokenizer: images work, texts fail clearly (and keep failing, not crashing)
        using var imagesOnly = Siglip2Encoder.Load(FixturePaths.Path(Fixed));
        Assert.Equal(64, imagesOnly.EmbedImage(image).Length);
        for (int i = 0; i < 2; i++) errors.Add(Assert.Throws<Siglip2Exception>(() => imagesOnly.EmbedText("a cat")));
        errors.Add(Assert.Throws<Siglip2Exception>(() => imagesOnly.Classify(image, ["cat"])));
        foreach (var e in errors)
        {
            Assert.DoesNotContain('\n', e.Message);
            Assert.False(string.IsNullOrWhiteSpace(e.Message));
        }
        Assert.Throws<ArgumentNullException>(() => encoder.EmbedText(null!));
        Assert.Throws<ArgumentNullException>(() => encoder.EmbedImages(new string[] { null! }));
        // the encoder still works after all of that
        AssertClose([encoder.EmbedImage(image)], Fixed, "image_embeds", rows: 1);
    }

    [Fact]
    public void CancellationAndDisposal()
    {
        using var folder = FolderWithTokenizer(Fixed);
        var encoder = Siglip2Encoder.Load(folder.Path);
        var image = Images(Fixed)[0];
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => encoder.EmbedImage(image, cancelled.Token));
        Assert.ThrowsAny<OperationCanceledException>(() => encoder.EmbedTexts(["一"], cancelled.Token));
        Assert.ThrowsAny<OperationCanceledException>(() => encoder.Classify(image, ["一"], cancellationToken: cancelled.Token));
        encoder.Dispose();
        encoder.Dispose();
        Assert.Throws<ObjectDisposedException>(() => encoder.EmbedImage(image));
        Assert.Throws<ObjectDisposedException>(() => encoder.EmbedText("一"));
    }
}
