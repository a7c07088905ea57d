using Microsoft.Playwright;

namespace Ttm.Gateway.Tests;

/// <summary>
/// The live page in a real browser: Debian's chromium driven by Playwright, the page reached through a loopback relay that
/// cuts the connection mid-generation. It uploads the sample, waits for the first preview, survives the drop without losing
/// or repeating an event, plays the completed video, and cancels a second run. The screenshot goes to
/// TTM_SCREENSHOT (the README's docs/images/live-page.png is made that way) or the test's temp folder.
/// </summary>
public sealed class LivePageTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    const string Chromium = "/usr/bin/chromium";

    static async Task<(IPlaywright, IBrowser)> LaunchAsync()
    {
        Assert.True(File.Exists(Chromium), "Debian's chromium is missing: test.sh installs it (apt-get install chromium).");
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium, Headless = true,
            // A closed network: no background connections, no component updates.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        return (playwright, browser);
    }

    [Fact]
    public async Task Page_RunsTheSampleLive_SurvivesADroppedConnection_PlaysTheVideo_AndCancelsASecondRun()
    {
        await using var relay = new LoopbackProxy(server.HttpPort);
        var (playwright, browser) = await LaunchAsync();
        try
        {
            var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 1000 } });
            var problems = new List<string>();
            page.PageError += (_, error) => problems.Add(error);
            await page.GotoAsync($"http://127.0.0.1:{relay.Port}/#key={server.Key}");
            // The key left the address bar for the tab's storage.
            Assert.DoesNotContain("key=", page.Url);
            await Assertions.Expect(page.GetByLabel("API key")).ToHaveValueAsync(server.Key);

            await page.GetByRole(AriaRole.Button, new() { Name = "Use the sample" }).ClickAsync();
            await Assertions.Expect(page.Locator("#chosen")).ToBeVisibleAsync();
            await page.GetByLabel("How should the objects move?").FillAsync("The red square moves right.");
            await page.GetByLabel("Steps per stage").FillAsync("3");
            await page.GetByLabel("Seed (empty: random)").FillAsync("7");
            await page.GetByRole(AriaRole.Button, new() { Name = "Start" }).ClickAsync();

            // The first preview, then the network drops under the live event stream.
            await Assertions.Expect(page.Locator("#motion-preview")).ToBeVisibleAsync(new() { Timeout = 120_000 });
            Assert.True(relay.DropAll() > 0, "no connection was open to cut");
            await Assertions.Expect(page.Locator("body")).ToHaveAttributeAsync("data-state", "completed", new() { Timeout = 180_000 });

            var seqs = await page.EvaluateAsync<long[]>("() => window.ttmPage.seqs");
            Assert.Equal(Enumerable.Range(1, seqs.Length).Select(i => (long)i), seqs); // no gap, no duplicate
            Assert.True(await page.EvaluateAsync<int>("() => window.ttmPage.reconnects") >= 1, "the page never reconnected after the drop");
            Assert.Contains("completed", await page.Locator("#log").InnerTextAsync());
            await Assertions.Expect(page.Locator("#plan li")).ToHaveCountAsync(1);
            await Assertions.Expect(page.Locator("#masks")).ToBeVisibleAsync();
            await Assertions.Expect(page.Locator("#video-progress")).ToHaveAttributeAsync("value", "100");

            // The video element plays the MP4: it decodes, and its clock moves.
            var video = page.Locator("#result");
            await Assertions.Expect(video).ToBeVisibleAsync();
            await page.WaitForFunctionAsync("() => { const v = document.getElementById('result'); return v.readyState >= 2 && v.videoWidth > 0; }", null, new() { Timeout = 30_000 });
            await page.EvaluateAsync("() => document.getElementById('result').play()");
            await page.WaitForFunctionAsync("() => document.getElementById('result').currentTime > 0", null, new() { Timeout = 30_000 });
            Assert.EndsWith(".mp4", await page.Locator("#download").GetAttributeAsync("download"));

            var screenshot = Environment.GetEnvironmentVariable("TTM_SCREENSHOT") is { Length: > 0 } target ? target
                : Path.Combine(server.Store, "live-page.png");
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = screenshot, FullPage = true });
            Assert.True(new FileInfo(screenshot).Length > 10_000);

            // A second run, cancelled from the page while it runs.
            await page.GetByLabel("Steps per stage").FillAsync("200");
            await page.GetByRole(AriaRole.Button, new() { Name = "Start" }).ClickAsync();
            await Assertions.Expect(page.Locator("body")).ToHaveAttributeAsync("data-state", "running", new() { Timeout = 60_000 });
            await Assertions.Expect(page.Locator("#planner")).Not.ToHaveTextAsync("–", new() { Timeout = 60_000 });
            await page.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
            await Assertions.Expect(page.Locator("body")).ToHaveAttributeAsync("data-state", "cancelled", new() { Timeout = 60_000 });
            var cancelledId = await page.EvaluateAsync<string>("() => window.ttmPage.id");
            var status = await server.Client.GetAsync(new Protos.V1.GetRequest { GenerationId = cancelledId });
            Assert.Equal("Cancelled", status.State);
            Assert.Empty(problems);
        }
        finally
        {
            await browser.CloseAsync();
            playwright.Dispose();
        }
    }

    [Fact]
    public async Task Page_IsUsableFromTheKeyboard_AndSaysWhatIsWrong()
    {
        var (playwright, browser) = await LaunchAsync();
        try
        {
            var page = await browser.NewPageAsync();
            await page.GotoAsync(server.HttpAddress + "/");
            // Every control has a label; Start without an image says what to do.
            foreach (var label in new[] { "API key", "Image (PNG or JPEG)", "How should the objects move?", "Steps per stage", "Seed (empty: random)" })
                await Assertions.Expect(page.GetByLabel(label)).ToBeVisibleAsync();
            await page.GetByLabel("API key").FillAsync(server.Key);
            await page.GetByLabel("How should the objects move?").FocusAsync();
            await page.Keyboard.PressAsync("Tab"); // → steps
            await page.Keyboard.PressAsync("Tab"); // → seed
            await page.Keyboard.PressAsync("Tab"); // → Start
            await page.Keyboard.PressAsync("Enter");
            await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToHaveTextAsync("Choose an image first (or use the sample).");

            // A bad key: the API's own message reaches the page.
            await page.GetByLabel("API key").FillAsync("ttm_00000000_notakey");
            await page.GetByRole(AriaRole.Button, new() { Name = "Use the sample" }).ClickAsync();
            await page.GetByRole(AriaRole.Button, new() { Name = "Start" }).ClickAsync();
            await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("Authorization: Bearer");
            await Assertions.Expect(page.Locator("body")).ToHaveAttributeAsync("data-state", "idle");
        }
        finally
        {
            await browser.CloseAsync();
            playwright.Dispose();
        }
    }
}
