using Microsoft.AspNetCore.Builder;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using OpenQA.Selenium.Support.UI;
using Siglip2.Server;
using Siglip2.Tasks;
using Siglip2.Tests.Api;
using Siglip2.Tests.Reliability;

namespace Siglip2.Tests.Server;

/// <summary>
/// The search page in a real headless browser (Debian's chromium and chromedriver, installed by scripts/ensure-deps.sh):
/// type a query, submit, and the first result is the one `siglip2 search` ranks first. The screenshot is kept in
/// TestResults/search-page.png.
/// </summary>
public class SearchPageBrowserTests
{
    [Fact]
    public async Task TypingAQueryShowsTheExpectedTopResult()
    {
        Assert.True(File.Exists("/usr/bin/chromium") && File.Exists("/usr/bin/chromedriver"), "chromium and chromium-driver are needed: run scripts/ensure-deps.sh");
        using var checkpoint = ApiReference.FolderWithTokenizer(ApiReference.Fixed);
        using var tmp = new TempDirectory();
        string photos = tmp.File("photos"), db = tmp.File("photos.db");
        Directory.CreateDirectory(photos);
        foreach (string f in ApiReference.Images(ApiReference.Fixed)) File.Copy(f, Path.Combine(photos, Path.GetFileName(f)));
        Assert.Equal(0, CliRun.Main("index", photos, "--db", db, "--model", checkpoint.Path).ExitCode);
        string query = ApiReference.ReferenceTexts(ApiReference.Fixed)[1];
        string expectedTop = (string)System.Text.Json.Nodes.JsonNode.Parse(CliRun.Main("search", "--db", db, query, "--json").StdOut)!.AsArray()[0]!["path"]!;

        using var encoder = Siglip2Encoder.Load(checkpoint.Path);
        await using var app = Siglip2Server.Build(new ServerOptions { Port = 0, Database = db }, encoder);
        await app.StartAsync();

        var service = ChromeDriverService.CreateDefaultService("/usr/bin", "chromedriver");
        service.HideCommandPromptWindow = true;
        service.SuppressInitialDiagnosticInformation = true;
        var options = new ChromeOptions { BinaryLocation = "/usr/bin/chromium" };
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1200,900", $"--user-data-dir={tmp.File("chrome-profile")}");
        using var driver = new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
        driver.Navigate().GoToUrl(app.Urls.First() + "/");
        var box = driver.FindElement(By.Id("q"));
        box.SendKeys(query);
        box.SendKeys(Keys.Enter);
        var wait = new WebDriverWait(driver, TimeSpan.FromSeconds(20));
        wait.Until(d => d.FindElements(By.CssSelector("figure.result")).Count == 3);
        var first = driver.FindElements(By.CssSelector("figure.result"))[0];
        Assert.Equal(expectedTop, first.GetAttribute("data-path"));
        wait.Until(d => (bool)((IJavaScriptExecutor)d).ExecuteScript("return [...document.images].every(i => i.complete && i.naturalWidth > 0)")!);
        Assert.Contains("3 images", driver.FindElement(By.Id("size")).Text);
        string artefacts = Path.Combine(FixturePaths.RepositoryRoot, "TestResults");
        Directory.CreateDirectory(artefacts);
        driver.GetScreenshot().SaveAsFile(Path.Combine(artefacts, "search-page.png"));
    }
}
