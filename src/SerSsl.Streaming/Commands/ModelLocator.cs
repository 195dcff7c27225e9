namespace SerSsl.Streaming.Commands;

/// <summary>Finds the model bundle to use when <c>--model</c> is not given.</summary>
internal static class ModelLocator
{
    /// <summary>The environment variable that names a default bundle folder.</summary>
    public const string EnvironmentVariable = "SERS_MODEL";

    /// <summary>
    /// The default bundle: <c>$SERS_MODEL</c> when set, else <c>models/default</c> next to the executable (the build
    /// copies the repository's bundled model there), else <c>models/default</c> in the current folder or a parent.
    /// </summary>
    /// <returns>A folder path (it may not exist; loading then reports it).</returns>
    public static string DefaultBundle()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return fromEnvironment;
        }

        var nextToExe = Path.Combine(AppContext.BaseDirectory, "models", "default");
        if (File.Exists(Path.Combine(nextToExe, Core.Models.ModelBundle.ManifestFileName)))
        {
            return nextToExe;
        }

        for (var dir = new DirectoryInfo(Environment.CurrentDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "models", "default");
            if (File.Exists(Path.Combine(candidate, Core.Models.ModelBundle.ManifestFileName)))
            {
                return candidate;
            }
        }

        return nextToExe;
    }
}
