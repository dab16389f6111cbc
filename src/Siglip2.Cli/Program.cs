using Siglip2.Cli.Commands;
using Siglip2.Cli.Infrastructure;

namespace Siglip2.Cli;

/// <summary>The `siglip2` command line: dispatches to a sub-command and turns user mistakes into one-line errors.</summary>
public static class Program
{
    public static IReadOnlyList<ICommand> Commands { get; } =
    [
        new VerifyCommand(),
        new EmbedCommand(),
        new ClassifyCommand(),
        new TokenizeCommand(),
        new PreprocessCommand(),
        new ExportCommand(),
        new TrainCommand(),
        new EvalCommand(),
        new AcidCommand(),
        new EvalAspectCommand(),
        new AblationCommand(),
        new FairnessCommand(),
        new QuickstartCommand(),
        new BenchCommand(),
        new IndexCommand(),
        new SearchCommand(),
        new ServeCommand(),
    ];

    public static int Main(string[] args)
    {
        // Before libtorch loads: its OpenMP threads should sleep, not spin, between operators (docs/performance.md).
        Siglip2.Modeling.TorchThreading.PreferPassiveWaiting();
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            if (args.Length >= 2 && Find(args[1]) is { } c) { Console.WriteLine(c.Usage); return 0; }
            PrintHelp();
            return args.Length == 0 ? 2 : 0;
        }
        if (args[0] is "--version")
        {
            Console.WriteLine($"siglip2 {typeof(Program).Assembly.GetName().Version} (TorchSharp {TorchSharp.torch.__version__})");
            return 0;
        }
        var command = Find(args[0]);
        if (command is null)
        {
            Console.Error.WriteLine($"siglip2: error: unknown command '{args[0]}' (commands: {string.Join(", ", Commands.Select(c => c.Name))}; see `siglip2 --help`)");
            return 2;
        }
        var rest = args.Skip(1).ToArray();
        // After "--" everything is an operand: `siglip2 tokenize -- --help` tokenizes the text "--help".
        if (rest.TakeWhile(a => a != "--").Any(a => a is "-h" or "--help")) { Console.WriteLine(command.Usage); return 0; }
        return Execute(command, rest);
    }

    public static int Execute(ICommand command, IReadOnlyList<string> args)
    {
        try
        {
            Runtime.Initialize();
            return command.Run(args);
        }
        catch (UsageException e)
        {
            Console.Error.WriteLine($"siglip2 {command.Name}: error: {e.Message} (see `siglip2 {command.Name} --help`)");
            return 2;
        }
        catch (Siglip2Exception e)
        {
            Console.Error.WriteLine($"siglip2 {command.Name}: error: {e.Message}");
            return 1;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine($"siglip2 {command.Name}: cancelled");
            return 130;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"siglip2 {command.Name}: error: {e.Message}");
            return 1;
        }
        catch (Exception e) when (Environment.GetEnvironmentVariable("SIGLIP2_DEBUG") != "1")
        {
            Console.Error.WriteLine($"siglip2 {command.Name}: internal error: {e.GetType().Name}: {e.Message.Split('\n')[0]} (rerun with SIGLIP2_DEBUG=1 for the stack trace and please report it)");
            return 70;
        }
    }

    private static ICommand? Find(string name) => Commands.FirstOrDefault(c => c.Name == name);

    private static void PrintHelp()
    {
        Console.WriteLine("siglip2 — SigLIP 2 image/text encoders for .NET");
        Console.WriteLine();
        Console.WriteLine("usage: siglip2 <command> [options]      (siglip2 <command> --help for its options)");
        Console.WriteLine();
        foreach (var c in Commands) Console.WriteLine($"  {c.Name,-12} {c.Summary}");
    }
}
