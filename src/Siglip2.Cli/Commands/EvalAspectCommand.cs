using Siglip2.Configuration;
using System.Text.Json;
using Siglip2.Cli.Infrastructure;
using Siglip2.Data;
using Siglip2.Tasks;
using Siglip2.Tasks.Evaluation;

namespace Siglip2.Cli.Commands;

/// <summary>`siglip2 eval-aspect`: NaFlex vs fixed resolution on held-out scenes with extreme aspect ratios.</summary>
public sealed class EvalAspectCommand : ICommand
{
    public string Name => "eval-aspect";
    public string Summary => "NaFlex vs fixed resolution on wide/tall scenes: zero-shot and retrieval R@1 (+ a near-square control)";
    public string Usage => """
        usage: siglip2 eval-aspect --model DIR [--model DIR ...] [--min-aspect 3] [--max-aspect A] [--scenes N]
                                   [--patch-budgets 8,16,24,36] [--data DIR] [--output FILE.json] [--json]

          --model DIR         a checkpoint (fixed or NaFlex) trained by `siglip2 train`; repeat to compare
          --min-aspect R      a scene is extreme when long side / short side ≥ R (default 3)
          --max-aspect A      draw a dedicated set of longer strips, up to A:1 (default: the scenes the
                              first model was trained on, FashionScenes up to 4:1)
          --scenes N          scenes per group: the retrieval pool, zero-shot on its single-item scenes
                              (default 1000)
          --patch-budgets L   evaluate NaFlex checkpoints at each max_num_patches in L (default: the
                              checkpoint's own preprocessor_config.json); fixed checkpoints are unaffected
          --data DIR          the four Fashion-MNIST IDX files (default: Debian's dataset-fashion-mnist)
          --output FILE       JSON report (default: eval_aspect.json in the first model's folder; a markdown
                              table goes beside it)
          --json              print the JSON report instead of the table
        example: siglip2 eval-aspect --model runs/t2-fixed42 --model runs/t2-naflex --patch-budgets 8,16,24,36
        """;

    public int Run(IReadOnlyList<string> args)
    {
        var a = ParsedArguments.Parse(args, ["--model", "--min-aspect", "--max-aspect", "--scenes", "--patch-budgets", "--data", "--output"], ["--json"]);
        if (a.Positionals.Count > 0) throw new UsageException($"unexpected argument '{a.Positionals[0]}'");
        var models = a.All("--model");
        if (models.Count == 0) throw new UsageException("missing --model (a checkpoint folder; repeat it to compare)");
        foreach (var m in models)
            if (!Directory.Exists(m)) throw new Siglip2Exception($"model folder not found: {m}");
        var options = new AspectEvaluationOptions
        {
            MinAspect = a.Double("--min-aspect", 1) ?? 3.0,
            MaxAspect = a.Double("--max-aspect", 1),
            Scenes = a.Int("--scenes", 1000, 2, 100_000),
            PatchBudgets = a.IntList("--patch-budgets", 1, 100_000),
        };
        string output = a.Optional("--output") ?? Path.Combine(models[0], "eval_aspect.json");
        var data = FashionMnist.Load(a.Optional("--data"));
        var pipelines = new List<(string, EmbeddingPipeline)>();
        try
        {
            foreach (var m in models)
                pipelines.Add((Path.GetFileName(Path.GetFullPath(m).TrimEnd('/')), EmbeddingPipeline.Load(m, new EmbeddingPipelineOptions { BatchSize = 128 })));
            var report = AspectRatioEvaluation.Run(pipelines, data, EvalCommand.ReadScenesConfig(models[0]), options,
                new Progress(m => Output.Note("evaluating " + m)));
            string? dir = Path.GetDirectoryName(Path.GetFullPath(output));
            if (dir != null) Directory.CreateDirectory(dir);
            AtomicFile.WriteAllText(output, JsonSerializer.Serialize(report, Output.Json) + "\n");
            AtomicFile.WriteAllText(Path.ChangeExtension(output, ".md"), report.ToMarkdown());
            if (a.Flag("--json")) Output.WriteJson(report);
            else Console.WriteLine(report.ToMarkdown());
            Output.Note($"wrote {output} and {Path.ChangeExtension(output, ".md")}");
        }
        finally
        {
            foreach (var (_, p) in pipelines) p.Dispose();
        }
        return 0;
    }

    private sealed class Progress(Action<string> action) : IProgress<string>
    {
        public void Report(string value) => action(value);
    }
}
