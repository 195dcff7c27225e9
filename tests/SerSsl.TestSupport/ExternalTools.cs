using System.Diagnostics;
using Xunit;

namespace SerSsl.TestSupport;

/// <summary>Finds and runs command-line tools from Debian packages that some tests compare against.</summary>
public static class ExternalTools
{
    /// <summary>The full path of <paramref name="tool"/> on PATH, or a skip of the calling test naming the package to install.</summary>
    /// <param name="tool">The program, e.g. <c>opusenc</c>.</param>
    /// <param name="package">The Debian package that provides it.</param>
    public static string Require(string tool, string package)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, tool);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        Assert.Skip($"{tool} not found on PATH: install the Debian package {package} (apt-get install -y {package}; ./test.sh does this as root).");
        return tool;
    }

    /// <summary>
    /// Runs a program (a test client in Node or Python, say) and returns its exit code and output; kills it, and its
    /// children, when it runs past <paramref name="timeout"/> or the test is cancelled.
    /// </summary>
    /// <param name="program">The program's path.</param>
    /// <param name="arguments">Its arguments, one per element.</param>
    /// <param name="workingDirectory">Where it runs.</param>
    /// <param name="timeout">How long it may run.</param>
    /// <param name="environment">Variables to set for it, or null.</param>
    /// <param name="cancellationToken">The test's token.</param>
    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(
        string program,
        IEnumerable<string> arguments,
        string workingDirectory,
        TimeSpan timeout,
        IReadOnlyDictionary<string, string>? environment = null,
        CancellationToken cancellationToken = default)
    {
        var start = new ProcessStartInfo(program)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {program}.");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await output.ConfigureAwait(false), await error.ConfigureAwait(false));
    }

    /// <summary>Runs a program to completion and fails the test with its output when it exits non-zero.</summary>
    /// <param name="program">The program's path.</param>
    /// <param name="arguments">Its arguments, one per element.</param>
    public static void Run(string program, params string[] arguments)
    {
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {program}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} exited with {process.ExitCode}: {stderr}{stdout.Result}");
        }
    }
}
