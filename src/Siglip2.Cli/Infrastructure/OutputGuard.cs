using Siglip2.Configuration;

namespace Siglip2.Cli.Infrastructure;

/// <summary>
/// Refuses, before any work starts, an output path that would destroy an input: a file the same command reads
/// (compared by device and inode, so symbolic and hard links count), or a file of a checkpoint folder it uses.
/// Also checks early that the output's folder can exist (no part of its path is a file) and that it is not a folder.
/// </summary>
public static class OutputGuard
{
    /// <summary>The files of a Hugging Face checkpoint folder, which an output must never replace (a new file beside them is fine).</summary>
    private static readonly string[] CheckpointFileNames =
    [
        "config.json", "model.safetensors", "model.safetensors.index.json", "preprocessor_config.json",
        "tokenizer.json", "tokenizer.json.gz", "tokenizer.model", "tokenizer_config.json", "special_tokens_map.json",
        "expected.safetensors", "manifest.json",
    ];

    /// <param name="option">the option that named the output, e.g. "--output".</param>
    /// <param name="output">the file to be written.</param>
    /// <param name="inputs">every file the command reads (images, reference files, text files).</param>
    /// <param name="modelFolders">checkpoint folders the command uses.</param>
    public static void CheckFile(string option, string output, IEnumerable<string> inputs, IEnumerable<string> modelFolders)
    {
        string full = Path.GetFullPath(output);
        var kind = InputFile.KindOf(full);
        if (kind == InputFileKind.Directory)
            throw new UsageException($"{option} '{output}' is a folder; give a file name");
        if (kind is not (InputFileKind.Missing or InputFileKind.Regular))
            throw new UsageException($"{option} '{output}' is a {InputFile.Describe(kind)}; give a regular file name");
        string folder = Path.GetDirectoryName(full)!;
        for (var dir = new DirectoryInfo(folder); dir != null; dir = dir.Parent)
        {
            if (File.Exists(dir.FullName))
                throw new UsageException($"{option} '{output}' cannot be created: '{dir.FullName}' is a file, not a folder");
            if (dir.Exists) break;
        }
        if (kind == InputFileKind.Regular)
        {
            foreach (var input in inputs)
                if (SameFile(full, input))
                    throw new UsageException($"{option} '{output}' is also an input of this command ('{input}'); writing it would destroy that input — choose another file");
        }
        foreach (var model in modelFolders)
        {
            if (!SameFolder(folder, model)) continue;
            string name = Path.GetFileName(full);
            if (kind == InputFileKind.Regular || CheckpointFileNames.Contains(name, StringComparer.OrdinalIgnoreCase)
                || (name.StartsWith("model-", StringComparison.Ordinal) && name.EndsWith(".safetensors", StringComparison.Ordinal)))
                throw new UsageException($"{option} '{output}' would overwrite {name} of the checkpoint folder '{model}'; write the output somewhere else");
        }
    }

    /// <summary>Refuses an output folder that is one of the command's input checkpoint folders (or inside one's files).</summary>
    public static void CheckFolder(string option, string output, IEnumerable<string> inputFolders)
    {
        if (File.Exists(output)) throw new UsageException($"{option} '{output}' is a file; give a folder");
        foreach (var input in inputFolders)
            if (SameFolder(output, input))
                throw new UsageException($"{option} '{output}' is also an input of this command; writing there would overwrite that checkpoint — choose a new folder");
    }

    private static bool SameFile(string a, string b)
    {
        if (InputFile.IdentityOf(a) is { } ia && InputFile.IdentityOf(b) is { } ib) return ia == ib;
        return string.Equals(Path.GetFullPath(a), Path.GetFullPath(b), StringComparison.Ordinal);
    }

    private static bool SameFolder(string a, string b)
    {
        if (!Directory.Exists(a) || !Directory.Exists(b))
            return string.Equals(Path.TrimEndingDirectorySeparator(Path.GetFullPath(a)), Path.TrimEndingDirectorySeparator(Path.GetFullPath(b)), StringComparison.Ordinal);
        return SameFile(a, b);
    }
}
