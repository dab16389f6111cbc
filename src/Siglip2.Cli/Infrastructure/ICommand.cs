namespace Siglip2.Cli.Infrastructure;

/// <summary>One `siglip2 &lt;name&gt;` sub-command.</summary>
public interface ICommand
{
    string Name { get; }
    string Summary { get; }
    /// <summary>Multi-line usage text (options and an example).</summary>
    string Usage { get; }
    /// <returns>the process exit code.</returns>
    int Run(IReadOnlyList<string> args);
}
