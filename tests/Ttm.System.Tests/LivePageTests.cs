using Microsoft.Playwright;

namespace Ttm.System.Tests;

/// <summary>
/// The live page in a real browser: Debian's chromium driven by Playwright, the page reached through a loopback relay that
/// cuts the connection mid-generation. It uploads the sample, waits for the first preview, survives the drop without losing
/// or repeating an event, plays the completed video, and cancels a second run; in review, the red square dragged right with
/// the mouse moves right in the rendered video, and a variation plays beside it. The screenshot goes to
/// TTM_SCREENSHOT (the README's docs/images/live-page.png is made that way) or the test's temp folder.
/// </summary>
public sealed class LivePageTests(ServerFixture server, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<ServerFixture>
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
    public async Task Page_DraggingTheRedSquareRightInReview_RendersItMovingRight_AndShowsAVariationBesideIt()
    {
        var (playwright, browser) = await LaunchAsync();
        var frames = Directory.CreateTempSubdirectory("ttm-page-frames-");
        try
        {
            var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 1000 } });
            var problems = new List<string>();
            page.PageError += (_, error) => problems.Add(error);
            await page.GotoAsync($"{server.HttpAddress}/#key={server.Key}");
            await page.GetByRole(AriaRole.Button, new() { Name = "Use the sample" }).ClickAsync();
            await Assertions.Expect(page.Locator("#chosen")).ToBeVisibleAsync();
            // The prompt says left: only the drag can make the video's red square go right.
            await page.GetByLabel("How should the objects move?").FillAsync("The red square moves left.");
            await page.GetByLabel("Steps per stage").FillAsync("2");
            await page.GetByLabel("Seed (empty: random)").FillAsync("5");
            await page.GetByLabel("Review the motion before the video (drag objects to change it)").CheckAsync();
            await page.GetByRole(AriaRole.Button, new() { Name = "Start" }).ClickAsync();
            await Assertions.Expect(page.Locator("body")).ToHaveAttributeAsync("data-state", "awaiting_review", new() { Timeout = 180_000 });

            // Drag the red square 40 image pixels to the right on the editor (the sample is 128×128).
            var (x, y) = SampleRequests.RedCentroid(Ttm.Pipeline.Images.ImageInput.Decode(SampleRequests.Sample));
            var editor = page.Locator("#editor");
            await editor.ScrollIntoViewIfNeededAsync();
            var box = (await editor.BoundingBoxAsync())!;
            float scale = (box.Width - 2) / 128f; // inside its 1 px border
            await page.Mouse.MoveAsync(box.X + 1 + x * scale, box.Y + 1 + y * scale);
            await page.Mouse.DownAsync();
            await page.Mouse.MoveAsync(box.X + 1 + (x + 40) * scale, box.Y + 1 + y * scale, new() { Steps = 12 });
            await page.Mouse.UpAsync();
            await Assertions.Expect(page.Locator("#paths li")).ToContainTextAsync("red square: a path of");
            await page.GetByRole(AriaRole.Button, new() { Name = "Render" }).ClickAsync();
            await Assertions.Expect(page.Locator("body")).ToHaveAttributeAsync("data-state", "completed", new() { Timeout = 180_000 });
            Assert.Contains("continued: seed 5, edited objects 0", await page.Locator("#log").InnerTextAsync());

            // The MP4 the page plays (its content, as the page fetched it), decoded: its red object moves right.
            string source = await page.EvaluateAsync<string>("() => window.ttmPage.id");
            using var http = new HttpClient { BaseAddress = new Uri(server.HttpAddress) };
            http.DefaultRequestHeaders.Authorization = new("Bearer", server.Key);
            var mp4 = Path.Combine(frames.FullName, "video.mp4");
            await File.WriteAllBytesAsync(mp4, await http.GetByteArrayAsync($"/v1/videos/{source}/content"));
            await FFMpegCore.FFMpegArguments.FromFileInput(mp4).OutputToFile(Path.Combine(frames.FullName, "frame%03d.png"), overwrite: true).ProcessAsynchronously();
            var redX = Directory.GetFiles(frames.FullName, "frame*.png").Order()
                .Select(f => Ttm.Pipeline.Images.ImageInput.Decode(File.ReadAllBytes(f))).Select(f => SampleRequests.RedCentroid(f).X * 128f / f.Width).ToList();
            output.WriteLine($"red object x (image pixels) per decoded frame: {string.Join(" ", redX.Select(v => v.ToString("F1")))}");
            Assert.True(redX.Count >= 2, $"the video decoded to {redX.Count} frames");
            Assert.True(redX[^1] - redX[0] > 10, $"the video's red object went from x {redX[0]:F1} to {redX[^1]:F1} (image pixels); it was dragged 40 px right");

            // A variation, beside the video: the same motion, another seed, a job of its own that names its source.
            await page.GetByRole(AriaRole.Button, new() { Name = "Vary: another video from this motion" }).ClickAsync();
            await Assertions.Expect(page.Locator("#variations video")).ToHaveCountAsync(1, new() { Timeout = 180_000 });
            string variation = Assert.Single(await page.EvaluateAsync<string[]>("() => window.ttmPage.variations"));
            Assert.Equal(source, (await server.Client.GetAsync(new Protos.V1.GetRequest { GenerationId = variation })).VariationOf);
            Assert.Empty(problems);
        }
        finally
        {
            await browser.CloseAsync();
            playwright.Dispose();
            frames.Delete(recursive: true);
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
