namespace Siglip2.Cli.Infrastructure;

/// <summary>A command-line mistake (unknown option, missing value). Printed as one line plus a usage hint; exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message);
