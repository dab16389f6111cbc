using System.Text.Json;
using Siglip2.Configuration;

namespace Siglip2.Processing.Text;

/// <summary>
/// The SigLIP 2 text pipeline: lowercase → encode without special tokens → keep the first
/// <see cref="SiglipTextSettings.ContentCapacity"/> ids → [BOS] … EOS → right-pad with PAD to L.
/// No attention mask is produced: the text tower attends over all L positions and pools the last one.
/// </summary>
public sealed class SiglipTextProcessor
{
    public SiglipTextProcessor(ITextTokenizer tokenizer, SiglipTextSettings settings, IReadOnlyList<string>? notes = null)
    {
        settings.Validate();
        foreach (var (name, id) in new[] { ("EOS", settings.EosId), ("PAD", settings.PadId), ("BOS", settings.BosId) })
            if (id is int v && (v < 0 || v >= tokenizer.VocabularySize))
                throw new Siglip2Exception($"{name} id {v} is outside the vocabulary of '{tokenizer.SourcePath}' ({tokenizer.VocabularySize} ids); fix the special tokens in tokenizer_config.json.");
        Tokenizer = tokenizer;
        Settings = settings;
        Notes = notes ?? [];
    }

    public ITextTokenizer Tokenizer { get; }
    public SiglipTextSettings Settings { get; }

    /// <summary>One-line remarks on choices made while reading the folder (e.g. a language-model tokenizer_config.json ignored).</summary>
    public IReadOnlyList<string> Notes { get; }

    public TokenizedText Process(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        // a text tower reads at most a few hundred tokens; megabytes of text are a mistake (and cost time to tokenize)
        if (text.Length > InputLimits.TextCharacters)
            throw new Siglip2Exception($"a text of {text.Length:N0} characters is over the {InputLimits.TextCharacters:N0}-character limit (the model reads its first {Settings.ContentCapacity} tokens); shorten it");
        var s = Settings;
        int[] content = Tokenizer.Encode(TextLowercasing.Apply(text, s.Lowercase));
        int kept = Math.Min(content.Length, s.ContentCapacity);
        var ids = new long[s.Length];
        int n = 0;
        if (s.BosId is int bos) ids[n++] = bos;
        for (int i = 0; i < kept; i++) ids[n++] = content[i];
        if (s.EosId is int eos) ids[n++] = eos;
        var pieces = new string[n];
        for (int i = 0; i < n; i++) pieces[i] = Tokenizer.IdToPiece((int)ids[i]);
        for (int i = n; i < s.Length; i++) ids[i] = s.PadId;
        return new TokenizedText(text, ids, pieces, content.Length, kept);
    }

    public TokenizedTextBatch Process(IReadOnlyList<string> texts) =>
        new(texts.Select(Process).ToArray(), Settings.Length);

    /// <summary>
    /// Builds the pipeline for a model folder: the tokenizer from <c>tokenizer.json</c>/<c>tokenizer.json.gz</c>,
    /// else <c>tokenizer.model</c>; special tokens and BOS/EOS flags from <c>tokenizer_config.json</c> when it is a
    /// SigLIP-style one (a language-model config with <c>add_bos_token: true</c> and no EOS is ignored, with a note);
    /// the length from <paramref name="options"/>, else config.json, else tokenizer_config.json, else 64.
    /// </summary>
    public static SiglipTextProcessor FromFolder(string folder, SiglipTextOptions? options = null)
    {
        options ??= new SiglipTextOptions();
        var notes = new List<string>();
        string tokenizerPath = TextTokenizerLoader.FindTokenizerFile(folder);
        // The pipeline owns lowercasing, so a Lowercase normalizer inside tokenizer.json is not applied on top of it.
        var tokenizer = TextTokenizerLoader.LoadFile(tokenizerPath, applyLowercaseNormalizer: false);
        if (tokenizer is HuggingFaceBpeTokenizer { HasLowercaseNormalizer: true })
            notes.Add($"{Path.GetFileName(tokenizerPath)} lowercases all of Unicode (Siglip2Tokenizer); the pipeline applies its own rule instead ({options.Lowercase}).");

        string configPath = Path.Combine(folder, "tokenizer_config.json");
        // present means read: a folder, FIFO or broken file of that name is an error, not silently ignored
        TokenizerConfig? config = InputFile.KindOf(configPath) != InputFileKind.Missing ? TokenizerConfig.Read(configPath) : null;
        if (config is { IsLanguageModelConfig: true })
        {
            notes.Add("tokenizer_config.json is a language-model config (add_bos_token true, no EOS); using the SigLIP 2 rule instead: no BOS, <eos> appended, <pad> padding.");
            config = null;
        }

        int? eos = null, bos = null;
        if (config?.AddEosToken ?? true) eos = Resolve(tokenizer, config?.EosToken, "<eos>", "eos_token", (tokenizer as SentencePieceBpeTokenizer)?.Model.EosId);
        if (config?.AddBosToken ?? false) bos = Resolve(tokenizer, config?.BosToken, "<bos>", "bos_token", (tokenizer as SentencePieceBpeTokenizer)?.Model.BosId);
        int pad = Resolve(tokenizer, config?.PadToken, "<pad>", "pad_token", (tokenizer as SentencePieceBpeTokenizer)?.Model.PadId);
        if (config?.PaddingSide == "left")
            notes.Add("tokenizer_config.json asks for left padding; SigLIP text towers pool the last position and were trained with right padding, so the pipeline pads on the right.");

        int length = options.Length ?? ModelTextLength(folder) ?? SaneModelMaxLength(config) ?? 64;
        return new SiglipTextProcessor(tokenizer, new SiglipTextSettings(length, options.Lowercase, eos, pad, bos), notes);
    }

    private static int Resolve(ITextTokenizer tokenizer, string? configured, string defaultPiece, string key, int? sentencePieceDefault)
    {
        if (configured is not null)
            return tokenizer.PieceToId(configured)
                ?? throw new Siglip2Exception($"tokenizer_config.json names {key} '{configured}', which is not in the vocabulary of '{tokenizer.SourcePath}'; fix {key} or use the checkpoint's matching tokenizer files.");
        if (tokenizer.PieceToId(defaultPiece) is int id) return id;
        if (sentencePieceDefault is int sp && sp >= 0 && sp < tokenizer.VocabularySize) return sp;
        throw new Siglip2Exception($"The vocabulary of '{tokenizer.SourcePath}' has no {defaultPiece} piece; add {key} to tokenizer_config.json or use the checkpoint's Gemma tokenizer.");
    }

    /// <summary>config.json → text_config.max_position_embeddings (the length the text tower was built for).</summary>
    private static int? ModelTextLength(string folder)
    {
        string path = Path.Combine(folder, "config.json");
        if (InputFile.KindOf(path) == InputFileKind.Missing) return null;
        using var doc = StrictJson.ParseDocument(InputFile.ReadAllText(path, "config.json", InputLimits.JsonConfigBytes), path);
        var root = doc.RootElement;
        var text = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("text_config", out var tc) ? tc : root;
        return text.ValueKind == JsonValueKind.Object && text.TryGetProperty("max_position_embeddings", out var m) && m.TryGetInt32(out int v) && v > 0 ? v : null;
    }

    // transformers writes 1e30 (VERY_LARGE_INTEGER) for "no limit"; anything that large is not a text-tower length.
    private static int? SaneModelMaxLength(TokenizerConfig? config) =>
        config?.ModelMaxLength is double m && m >= 2 && m <= 100_000 ? (int)m : null;
}
