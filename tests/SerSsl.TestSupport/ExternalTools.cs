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
