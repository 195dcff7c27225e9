using System.Globalization;

namespace SerSsl.Streaming.Inference;

/// <summary>Where ONNX Runtime runs the model: the CPU, or a CUDA device by index.</summary>
/// <param name="IsCuda">True for a CUDA device.</param>
/// <param name="DeviceId">The CUDA device index (0 for the CPU).</param>
public sealed record InferenceDevice(bool IsCuda, int DeviceId)
{
    /// <summary>The CPU.</summary>
    public static InferenceDevice Cpu { get; } = new(false, 0);

    /// <summary>Parses <c>cpu</c>, <c>cuda</c> or <c>cuda:N</c>.</summary>
    /// <param name="text">The text of <c>--device</c>.</param>
    /// <returns>The device.</returns>
    /// <exception cref="FormatException">The text is none of those forms.</exception>
    public static InferenceDevice Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var value = text.Trim().ToLowerInvariant();
        if (value == "cpu")
        {
            return Cpu;
        }

        if (value == "cuda")
        {
            return new InferenceDevice(true, 0);
        }

        if (value.StartsWith("cuda:", StringComparison.Ordinal)
            && int.TryParse(value.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out var id))
        {
            return new InferenceDevice(true, id);
        }

        throw new FormatException($"'{text}' is not a device: use cpu, cuda or cuda:N (N = the GPU index, e.g. cuda:1).");
    }

    /// <inheritdoc />
    public override string ToString() => IsCuda ? string.Create(CultureInfo.InvariantCulture, $"cuda:{DeviceId}") : "cpu";
}
