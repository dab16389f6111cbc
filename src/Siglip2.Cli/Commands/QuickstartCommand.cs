using Siglip2.Cli.Infrastructure;
using Siglip2.Modeling;
using Spectre.Console;

namespace Siglip2.Cli.Commands;

/// <summary>`siglip2 quickstart`: the project's main job on its built-in default.</summary>
public sealed class QuickstartCommand : ICommand
{
    public string Name => "quickstart";
    public string Summary => "the main job on its built-in default (see README)";
    public string Usage => """
        usage: siglip2 quickstart

        Checks both shipped reference checkpoints (fixed resolution and NaFlex) against the Hugging Face
        reference outputs.
        """;

    public int Run(IReadOnlyList<string> args)
    {
        ParsedArguments.Parse(args, [], []);
        string root = RepositoryPaths.Root;
        bool ok = true;
        foreach (var fixture in new[] { "siglip-tiny", "siglip2-naflex-tiny" })
        {
            string dir = Path.Combine(root, "tests", "fixtures", fixture);
            var report = VerifyCommand.Verify(dir, Path.Combine(dir, "expected.safetensors"), null, AttentionImplementation.Auto);
            VerifyCommand.PrintTable(dir, Path.Combine(dir, "expected.safetensors"), report);
            ok &= report.Passed;
        }
        return ok ? 0 : 1;
    }
}
