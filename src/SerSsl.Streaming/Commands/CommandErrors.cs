using SerSsl.Core.Models;
using SerSsl.Streaming.Inference;
using SerSsl.Streaming.Sources;

namespace SerSsl.Streaming.Commands;

/// <summary>Turns the failures a user can cause or fix into one clear line and an exit code, never a stack trace.</summary>
internal static class CommandErrors
{
    /// <summary>Exit code for bad input: a missing or malformed file, model or device.</summary>
    public const int BadInput = 2;

    /// <summary>Exit code for a failure while running.</summary>
    public const int Failed = 1;

    /// <summary>Runs <paramref name="action"/> and maps known failures to a message on <paramref name="error"/> and an exit code.</summary>
    public static async Task<int> RunAsync(TextWriter error, Func<Task<int>> action)
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (ModelBundleException ex)
        {
            error.WriteLine($"error: model bundle: {ex.Message}");
            return BadInput;
        }
        catch (AudioSourceException ex)
        {
            error.WriteLine($"error: audio source: {ex.Message}");
            return BadInput;
        }
        catch (InferenceException ex)
        {
            error.WriteLine($"error: inference: {ex.Message}");
            return Failed;
        }
        catch (ArgumentException ex)
        {
            // The message says what is wrong; the parameter name that .NET appends means nothing to a user.
            var message = ex.ParamName is null ? ex.Message : ex.Message.Replace($" (Parameter '{ex.ParamName}')", string.Empty, StringComparison.Ordinal);
            error.WriteLine($"error: {message}");
            return BadInput;
        }
        catch (OperationCanceledException)
        {
            error.WriteLine("stopped.");
            return 130;
        }
    }
}
