namespace SerSsl.Core.Models;

/// <summary>
/// The ONNX versions a model bundle may use: what <c>sers-train export</c> writes and what the ONNX Runtime build
/// the streaming side references (1.31) runs. <see cref="ModelBundle.Load"/> rejects graphs outside these ranges.
/// </summary>
public static class OnnxCompatibility
{
    /// <summary>
    /// The oldest standard (<c>ai.onnx</c>) opset accepted: 17, the first with LayerNormalization, which the
    /// self-attention aggregator needs.
    /// </summary>
    public const long MinimumOpset = 17;

    /// <summary>
    /// The newest standard opset accepted: 26, the newest ONNX Runtime 1.31 loads (it refuses 27 as "under
    /// development"). A test keeps this in step with the referenced ONNX Runtime.
    /// </summary>
    public const long MaximumOpset = 26;

    /// <summary>The opset the exporter writes.</summary>
    public const long ExportOpset = 17;

    /// <summary>The oldest IR version accepted: 8, the IR version of opset 17.</summary>
    public const long MinimumIrVersion = 8;

    /// <summary>The newest IR version accepted: 13, the newest ONNX Runtime 1.31 reads (checked by the same test).</summary>
    public const long MaximumIrVersion = 13;

    /// <summary>The IR version the exporter writes (IR 8, released with opset 17).</summary>
    public const long ExportIrVersion = 8;
}
