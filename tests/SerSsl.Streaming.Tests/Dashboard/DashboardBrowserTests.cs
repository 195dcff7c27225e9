using System.Globalization;
using Microsoft.Playwright;
using SerSsl.Streaming.Sources;
using SerSsl.Streaming.Tests.Support;
using SerSsl.TestSupport;

namespace SerSsl.Streaming.Tests.Dashboard;

/// <summary>The dashboard in a real browser (<see cref="Chromium"/>).</summary>
public sealed class DashboardBrowserTests
{
    /// <summary>Where the screenshot goes, relative to the repository root; TestResults/ is ignored by git.</summary>
    public const string ScreenshotPath = "TestResults/screenshots/dashboard.png";

    /// <summary>The page with no session, beside <see cref="ScreenshotPath"/>.</summary>
    public const string EmptyScreenshotPath = "TestResults/screenshots/dashboard-empty.png";

    [Fact]
    public async Task Page_SessionFedFromDemoRecording_ShowsEstimatesArriving()
    {
        Assert.SkipUnless(Chromium.IsInstalled, Chromium.MissingReason);
        var ct = TestContext.Current.CancellationToken;
        await using var server = await DashboardServer.StartAsync();
        var labels = server.Engine.Bundle.Labels;

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await Chromium.LaunchAsync(playwright);
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1360, Height = 820 } });
        var problems = new List<string>();
        Chromium.CollectProblems(page, problems);
        page.SetDefaultTimeout(20_000);

        await page.GotoAsync(server.BaseAddress.ToString());

        // The recording (19.5 s, paced) starts only once the page is up: a browser that is slow to start on a loaded
        // machine must not spend the recording before it can watch it. The page polls the session list and finds it.
        var hub = await server.Registry.StartAsync(new WavFileSource(TestModel.DemoRecording, paced: true), null, "demo", ct);
        await page.Locator("#session option[value='demo']").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });
        await page.SelectOptionAsync("#session", "demo");
        await page.WaitForFunctionAsync("() => Number(document.getElementById('estimate-count').textContent) >= 4");
        var count = await CountAsync(page);
        var points = await PointsAsync(page);

        // Estimates keep arriving: the count and the chart's points grow as the recording plays in real time.
        await page.WaitForFunctionAsync($"() => Number(document.getElementById('estimate-count').textContent) >= {count + 12}");
        await page.WaitForFunctionAsync($"() => Number(document.getElementById('chart').dataset.points) > {points}");
        var topLabel = await page.GetAttributeAsync("#top-label", "data-label");
        var shown = await page.TextContentAsync("#top-label");
        var status = await page.GetAttributeAsync("#status", "data-state");
        var bars = await page.Locator("#bars li").CountAsync();
        var legend = await page.Locator("#legend li").CountAsync();
        var latency = await page.TextContentAsync("#latency");

        await Chromium.SaveScreenshotAsync(page, ScreenshotPath, ct);

        Assert.Contains(topLabel, labels);
        Assert.False(string.IsNullOrWhiteSpace(shown));
        Assert.Equal("live", status);
        Assert.Equal(labels.Count, bars);
        Assert.Equal(labels.Count, legend);
        Assert.EndsWith(" ms", latency, StringComparison.Ordinal);
        Assert.True((ulong)await CountAsync(page) <= hub.NextSequence, "The page counts no more estimates than the session published.");
        Assert.Empty(problems);
    }

    [Fact]
    public async Task Page_NoSession_SaysSo()
    {
        Assert.SkipUnless(Chromium.IsInstalled, Chromium.MissingReason);
        await using var server = await DashboardServer.StartAsync();

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await Chromium.LaunchAsync(playwright);
        var page = await browser.NewPageAsync();
        page.SetDefaultTimeout(20_000);
        await page.GotoAsync(server.BaseAddress.ToString());

        await page.Locator("#empty").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Visible });
        await Chromium.SaveScreenshotAsync(page, EmptyScreenshotPath, TestContext.Current.CancellationToken);
        Assert.Equal("No session is running", await page.TextContentAsync("#empty-title"));
        Assert.False(await page.Locator("#live").IsVisibleAsync());
    }

    private static async Task<int> CountAsync(IPage page) => int.Parse((await page.TextContentAsync("#estimate-count"))!, CultureInfo.InvariantCulture);

    private static async Task<int> PointsAsync(IPage page) => int.Parse((await page.GetAttributeAsync("#chart", "data-points"))!, CultureInfo.InvariantCulture);
}
