namespace Siglip2.Cli;

public static class Program
{
    public static int Main(string[] args)
    {
        Console.WriteLine($"siglip2: torch {TorchSharp.torch.__version__}");
        return 0;
    }
}
