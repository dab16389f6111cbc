namespace Siglip2.Cli.Infrastructure;

/// <summary>Finds the repository root (the folder with Siglip2.slnx) from the running program, for the bundled fixtures.</summary>
public static class RepositoryPaths
{
    public static string Root
    {
        get
        {
            var env = Environment.GetEnvironmentVariable("SIGLIP2_HOME");
            if (!string.IsNullOrEmpty(env)) return env;
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "Siglip2.slnx"))) return dir.FullName;
            for (var dir = new DirectoryInfo(Environment.CurrentDirectory); dir != null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "Siglip2.slnx"))) return dir.FullName;
            throw new Siglip2Exception("cannot find the Siglip2.NET repository folder (set SIGLIP2_HOME to it)");
        }
    }
}
