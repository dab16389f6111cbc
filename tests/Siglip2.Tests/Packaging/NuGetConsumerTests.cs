using System.Diagnostics;
using System.Text.Json.Nodes;
using Siglip2.Checkpoints;
using Siglip2.Tests.Hub;

namespace Siglip2.Tests.Packaging;

/// <summary>
/// The library as a user gets it: the freshly built Siglip2 and Siglip2.Extensions.AI packed into a local feed, a
/// console project outside this repository (so none of its build files apply: the GLIBCXX fix must come from the
/// package) restored from that feed, built and run. It loads the tiny fixture by folder and by Hub id from the fake
/// Hub, embeds an image through the Microsoft.Extensions.AI generator, and must give the reference embedding.
/// </summary>
public class NuGetConsumerTests
{
    private static readonly string Root = FixturePaths.RepositoryRoot;

    private static (int Code, string Output) Run(string file, string arguments, string workingDirectory, IDictionary<string, string>? environment = null, int timeoutSeconds = 300)
    {
        var info = new ProcessStartInfo(file, arguments)
        {
            WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment.Remove("MSBuildSDKsPath"); // not the test host's SDK settings
        info.Environment.Remove("MSBuildExtensionsPath");
        info.Environment.Remove("MSBUILD_EXE_PATH");
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) info.Environment[k] = v;
        using var p = Process.Start(info)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeoutSeconds * 1000)) { p.Kill(true); Assert.Fail($"`{file} {arguments}` did not finish in {timeoutSeconds} s"); }
        return (p.ExitCode, stdout.Result + stderr.Result);
    }

    [Fact]
    public async Task APackedConsumerEmbedsLikeTheReference()
    {
        string version = $"0.1.0-test.{DateTime.UtcNow:yyyyMMddHHmmss}";
        using var tmp = new TempDirectory();
        string feed = tmp.File("feed"), app = tmp.File("app");
        foreach (string project in new[] { "src/Siglip2/Siglip2.csproj", "src/Siglip2.Extensions.AI/Siglip2.Extensions.AI.csproj" })
        {
            var (code, output) = Run("dotnet", $"pack {Path.Combine(Root, project)} -c Release --no-build -o {feed} -p:PackageVersion={version}", Root);
            Assert.True(code == 0, output);
        }
        Directory.CreateDirectory(app);
        File.WriteAllText(Path.Combine(app, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="local" value="{feed}" />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
              </packageSources>
            </configuration>
            """);
        File.WriteAllText(Path.Combine(app, "app.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Siglip2.Extensions.AI" Version="{version}" />
                <PackageReference Include="Microsoft.Extensions.DependencyInjection" Version="11.0.0" />
              </ItemGroup>
            </Project>
            """);
        // what a user writes: register, resolve, embed
        File.WriteAllText(Path.Combine(app, "Program.cs"), """
            using Microsoft.Extensions.AI;
            using Microsoft.Extensions.DependencyInjection;

            var services = new ServiceCollection().AddSiglip2Embeddings(args[0]).BuildServiceProvider();
            var images = services.GetRequiredService<IEmbeddingGenerator<DataContent, Embedding<float>>>();
            var texts = services.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>();
            var image = new DataContent(File.ReadAllBytes(args[1]), "image/png");
            Print((await images.GenerateAsync([image]))[0].Vector.ToArray());
            Print((await texts.GenerateAsync([File.ReadAllText(args[2])]))[0].Vector.ToArray());

            static void Print(float[] v) =>
                Console.WriteLine("[" + string.Join(",", v.Select(x => x.ToString("R", System.Globalization.CultureInfo.InvariantCulture))) + "]");
            """);

        // the fixture with a tokenizer that reproduces its reference input_ids (see ApiReference)
        using var checkpoint = Api.ApiReference.FolderWithTokenizer("siglip-tiny");
        string text = tmp.File("text.txt");
        File.WriteAllText(text, Api.ApiReference.ReferenceTexts("siglip-tiny")[0]);
        await using var hub = await FakeHub.StartAsync();
        hub.AddRepo("google/siglip-tiny", checkpoint.Path);
        var env = new Dictionary<string, string>
        {
            ["HF_ENDPOINT"] = hub.Endpoint.ToString().TrimEnd('/'), ["HF_HUB_CACHE"] = tmp.File("hub"), ["HF_TOKEN"] = "hf_test_token",
        };
        try
        {
            var build = Run("dotnet", "build -c Release", app, env);
            Assert.True(build.Code == 0, build.Output);
            string systemLibstdcxx = new[] { "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/lib/x86_64-linux-gnu/libstdc++.so.6" }.FirstOrDefault(File.Exists) ?? "";
            if (systemLibstdcxx.Length > 0 && !File.ReadAllText(systemLibstdcxx).Contains("GLIBCXX_3.4.32\0"))
                Assert.Contains("marked GLIBCXX_3.4.32 weak", build.Output); // the package's buildTransitive fix ran

            using var expected = SafeTensorsFile.Open(FixturePaths.Path("siglip-tiny", "expected.safetensors"));
            using var reference = expected.ReadTensor("image_embeds");
            using var referenceText = expected.ReadTensor("text_embeds");
            float[] want = reference[0].data<float>().ToArray(), wantText = referenceText[0].data<float>().ToArray();
            var tolerances = Siglip2.Tasks.ReferenceVerification.ReadManifestTolerances(FixturePaths.Path("siglip-tiny", "manifest.json"));
            string image = Path.Combine(FixturePaths.Path("siglip-tiny"), "image_0_45x30.png");
            foreach (string model in new[] { checkpoint.Path, "google/siglip-tiny" })
            {
                var run = Run("dotnet", $"run -c Release --no-build -- {model} {image} {text}", app, env, 120);
                Assert.True(run.Code == 0, run.Output);
                var lines = run.Output.Trim().Split('\n');
                foreach (var (line, reference1, name) in new[] { (lines[^2], want, "image_embeds"), (lines[^1], wantText, "text_embeds") })
                {
                    float[] got = JsonNode.Parse(line)!.AsArray().Select(v => (float)v!).ToArray();
                    Assert.Equal(reference1.Length, got.Length);
                    double maxError = reference1.Zip(got, (a, b) => Math.Abs(a - b)).Max();
                    Assert.True(maxError <= tolerances[name], $"{model} {name}: max |Δ| {maxError} > {tolerances[name]}");
                    Console.WriteLine($"NuGet consumer, {model}, {name}: max |Δ| {maxError:E2} (tolerance {tolerances[name]:E0})");
                }
            }
            Assert.Contains(hub.Requests, r => r.Path.Contains("/resolve/"));
        }
        finally
        {
            string packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
            foreach (string id in new[] { "siglip2", "siglip2.extensions.ai" })
                try { Directory.Delete(Path.Combine(packages, id, version), recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
