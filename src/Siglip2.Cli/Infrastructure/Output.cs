using System.Text.Json;
using System.Text.Json.Serialization;

namespace Siglip2.Cli.Infrastructure;

/// <summary>Shared output helpers: JSON for --json, stderr notes.</summary>
public static class Output
{
    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static void WriteJson<T>(T value) => Console.Out.WriteLine(JsonSerializer.Serialize(value, Json));

    public static void Note(string message) => Console.Error.WriteLine("siglip2: " + message);
}
