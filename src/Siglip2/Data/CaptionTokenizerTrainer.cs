using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Siglip2.Data;

/// <summary>What <see cref="CaptionTokenizerTrainer.TrainTokenizer"/> wrote.</summary>
public sealed record TokenizerTrainingResult(string ModelPath, string VocabPath, int CorpusLines, int VocabSize);

/// <summary>
/// Trains the SentencePiece BPE tokenizer of models trained from scratch (on FashionScenes, or on the user's captions) with Debian's <c>spm_train</c>, using Gemma's
/// settings (byte fallback, split digits, no dummy prefix, whitespace kept, identity normalisation,
/// pad/eos/bos/unk = 0/1/2/3 as &lt;pad&gt;/&lt;eos&gt;/&lt;bos&gt;/&lt;unk&gt;, full character coverage).
/// </summary>
public static class CaptionTokenizerTrainer
{
    public const string DefaultSpmTrain = "spm_train";

    /// <summary>
    /// Writes a caption corpus (lowercased A–Z only, as the text pipeline does) and trains <paramref name="outputPath"/>
    /// (a .model file; the .vocab is written beside it). The corpus holds, for train scenes 0..sceneCount−1 of
    /// <paramref name="corpusOptions"/>, each caption, referring expression and region caption with its location
    /// text, plus every language's zero-shot prompts and colour + class phrases. <paramref name="seed"/> seeds the
    /// trainer. The same inputs give a byte-identical model.
    /// </summary>
    public static TokenizerTrainingResult TrainTokenizer(FashionScenesConfig corpusOptions, string outputPath, int vocabSize, long seed,
        FashionMnist? data = null, int sceneCount = 20_000, string spmTrain = DefaultSpmTrain)
    {
        corpusOptions.Validate();
        CheckVocabulary(vocabSize);
        if (sceneCount < 1) throw new Siglip2Exception($"tokenizer corpus scene count {sceneCount} is invalid; use at least 1 (e.g. 20000)");
        data ??= FashionMnist.Load();
        var lines = CorpusLines(corpusOptions, data.Train, sceneCount);
        return Train(lines, outputPath, vocabSize, seed,
            corpusOptions.LocationFormat == LocationFormat.LocTokens ? corpusOptions.CreateLocationTokens().AllTokens : null, spmTrain);
    }

    /// <summary>
    /// Trains <paramref name="outputPath"/> on the first <paramref name="maxCaptions"/> of <paramref name="captions"/> (the
    /// user's data, in its file order; lowercased A–Z only, one caption a line, line breaks inside a caption made spaces),
    /// with the same settings. The same captions and seed give a byte-identical model.
    /// </summary>
    public static TokenizerTrainingResult TrainOnCaptions(IEnumerable<string> captions, string outputPath, int vocabSize, long seed,
        int maxCaptions = 20_000, string spmTrain = DefaultSpmTrain)
    {
        CheckVocabulary(vocabSize);
        if (maxCaptions < 1) throw new Siglip2Exception($"tokenizer corpus caption count {maxCaptions} is invalid; use at least 1 (e.g. 20000)");
        var lines = captions.Take(maxCaptions).Select(c => LowerAscii(c.ReplaceLineEndings(" "))).ToList();
        if (lines.Count == 0) throw new Siglip2Exception("the data has no captions to train the tokenizer on");
        return Train(lines, outputPath, vocabSize, seed, null, spmTrain);
    }

    private static void CheckVocabulary(int vocabSize)
    {
        if (vocabSize < 320 || vocabSize > 1_000_000)
            throw new Siglip2Exception($"tokenizer vocabulary size {vocabSize} is invalid; use 320..1000000 (e.g. 2048): 256 byte pieces, 4 special pieces and every corpus character need a slot");
    }

    private static TokenizerTrainingResult Train(List<string> lines, string outputPath, int vocabSize, long seed, IReadOnlyList<string>? userSymbols, string spmTrain)
    {
        string workDir = Path.Combine(Path.GetTempPath(), "siglip2-spm-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(workDir);
        try
        {
            File.WriteAllLines(Path.Combine(workDir, "corpus.txt"), lines, new UTF8Encoding(false));
            var args = new List<string>
            {
                // Relative paths (the trainer runs in workDir) keep the temp folder's name out of the model.
                "--input=corpus.txt", "--model_prefix=tokenizer", "--model_type=bpe",
                "--vocab_size=" + vocabSize.ToString(CultureInfo.InvariantCulture),
                "--byte_fallback=true", "--split_digits=true", "--add_dummy_prefix=false", "--remove_extra_whitespaces=false",
                "--normalization_rule_name=identity", "--allow_whitespace_only_pieces=true", "--character_coverage=1.0",
                "--pad_id=0", "--eos_id=1", "--bos_id=2", "--unk_id=3",
                "--pad_piece=<pad>", "--eos_piece=<eos>", "--bos_piece=<bos>", "--unk_piece=<unk>",
                "--random_seed=" + ((uint)(seed & 0xFFFF_FFFF)).ToString(CultureInfo.InvariantCulture),
                "--num_threads=1", "--input_sentence_size=0", "--shuffle_input_sentence=false", "--hard_vocab_limit=false",
            };
            if (userSymbols is not null)
            {
                File.WriteAllLines(Path.Combine(workDir, "user_symbols.txt"), userSymbols);
                args.Add("--user_defined_symbols_file=user_symbols.txt");
            }
            RunSpmTrain(spmTrain, args, workDir);

            string model = Path.GetFullPath(outputPath);
            string vocab = Path.ChangeExtension(model, ".vocab");
            string? dir = Path.GetDirectoryName(model);
            if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
            File.Copy(Path.Combine(workDir, "tokenizer.model"), model, overwrite: true);
            File.Copy(Path.Combine(workDir, "tokenizer.vocab"), vocab, overwrite: true);
            return new TokenizerTrainingResult(model, vocab, lines.Count, vocabSize);
        }
        finally
        {
            try { Directory.Delete(workDir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>Lowercases A–Z only (big_vision lowercases with TensorFlow's ASCII-only rule); all else unchanged.</summary>
    public static string LowerAscii(string text) =>
        string.Create(text.Length, text, static (span, source) =>
        {
            for (int i = 0; i < source.Length; i++)
                span[i] = source[i] is >= 'A' and <= 'Z' ? (char)(source[i] + 32) : source[i];
        });

    /// <summary>The lines of the tokenizer corpus (already lowercased), in a fixed order.</summary>
    public static List<string> CorpusLines(FashionScenesConfig corpusOptions, FashionMnistImages trainImages, int sceneCount)
    {
        var scenes = new FashionScenes(trainImages, corpusOptions);
        var locations = corpusOptions.CreateLocationTokens();
        var lines = new List<string>(sceneCount * 4 + 2000);
        for (int i = 0; i < sceneCount; i++)
        {
            var scene = scenes.Generate(i);
            lines.Add(scene.Caption);
            foreach (var r in scene.ReferringExpressions)
                lines.Add(r.Text + " " + locations.Encode(r.Box, scene.Width, scene.Height));
            foreach (var r in scene.RegionCaptions)
                lines.Add(locations.Encode(r.Box, scene.Width, scene.Height) + " " + r.Text);
        }
        foreach (var language in CaptionLanguages.All)
        {
            for (int c = 0; c < FashionMnist.ClassCount; c++)
            {
                lines.AddRange(language.ZeroShotPrompts(c));
                for (int k = 0; k < ColorPalette.Count; k++) lines.Add(language.NounPhrase(new ItemDescription(c, k)));
            }
        }
        for (int i = 0; i < lines.Count; i++) lines[i] = LowerAscii(lines[i]);
        return lines;
    }

    private static void RunSpmTrain(string spmTrain, List<string> args, string workDir)
    {
        var start = new ProcessStartInfo(spmTrain)
        {
            WorkingDirectory = workDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args) start.ArgumentList.Add(a);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new Win32Exception("no process");
        }
        catch (Win32Exception)
        {
            throw new Siglip2Exception($"SentencePiece trainer '{spmTrain}' not found; install it with `apt-get install sentencepiece` (it provides /usr/bin/spm_train)");
        }
        using (process)
        {
            var stderrTask = process.StandardError.ReadToEndAsync();
            var stdoutTask = process.StandardOutput.ReadToEndAsync();
            process.WaitForExit();
            string log = stderrTask.Result + stdoutTask.Result;
            if (process.ExitCode != 0 || !File.Exists(Path.Combine(workDir, "tokenizer.model")))
            {
                var lines = log.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                string last = lines.LastOrDefault(l => l.Contains("Internal:") || l.Contains("ERROR") || l.Contains("Vocabulary size"))
                              ?? lines.LastOrDefault() ?? "no output";
                throw new Siglip2Exception($"spm_train failed (exit code {process.ExitCode}): {last}");
            }
        }
    }
}
