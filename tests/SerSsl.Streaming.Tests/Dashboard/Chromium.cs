using Microsoft.Playwright;
using SerSsl.TestSupport;

namespace SerSsl.Streaming.Tests.Dashboard;

/// <summary>
/// Debian's chromium (package <c>chromium</c>, installed by scripts/setup.sh) for the browser tests, driven by
/// Playwright; Playwright never downloads a browser of its own here.
/// </summary>
internal static class Chromium
{
    /// <summary>Where the package puts the browser.</summary>
    public const string ExecutablePath = "/usr/bin/chromium";

    /// <summary>Why a browser test skips when the browser is missing.</summary>
    public const string MissingReason = $"{ExecutablePath} is missing: install Debian's chromium package (scripts/setup.sh does) to run the browser test.";

    /// <summary>True when the browser is installed.</summary>
    public static bool IsInstalled => File.Exists(ExecutablePath);

    /// <summary>Starts the browser headless, with <paramref name="extraArgs"/> after the ones every test needs.</summary>
    public static Task<IBrowser> LaunchAsync(IPlaywright playwright, params string[] extraArgs) =>
        playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,

            // The sandbox needs user namespaces, which containers and root often lack; /dev/shm is small in containers.
            Args = ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", .. extraArgs],
        });

    /// <summary>Collects the page's errors and console errors (a refused script or connection included) into <paramref name="problems"/>.</summary>
    public static void CollectProblems(IPage page, List<string> problems)
    {
        page.PageError += (_, error) => problems.Add($"page error: {error}");
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                problems.Add($"console error: {message.Text}");
            }
        };
    }

    /// <summary>Writes a screenshot of the whole page under the repository and attaches it to the test's results.</summary>
    public static async Task SaveScreenshotAsync(IPage page, string relativePath, CancellationToken ct)
    {
        var screenshot = await page.ScreenshotAsync(new PageScreenshotOptions { FullPage = true });
        var path = Path.Combine(RepoPaths.Root, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllBytesAsync(path, screenshot, ct);
        TestContext.Current.AddAttachment(Path.GetFileName(path), screenshot, "image/png");
        TestContext.Current.SendDiagnosticMessage($"dashboard screenshot: {path}");
    }
}
