namespace SerSsl.Streaming.Sources.Wasapi;

/// <summary>One active WASAPI capture endpoint, as <c>sers devices</c> lists it (platform-neutral data).</summary>
/// <param name="Id">The endpoint id, e.g. <c>{0.0.1.00000000}.{6f2a...}</c>: unique, and stable across reboots.</param>
/// <param name="Name">The friendly name, e.g. <c>Microphone (USB Audio Device)</c>: what <c>mic:NAME</c> matches.</param>
/// <param name="Adapter">The adapter's name, e.g. <c>USB Audio Device</c>.</param>
/// <param name="SampleFormat">The shared-mode sample format, e.g. <c>f32</c>, or <c>unknown</c>.</param>
/// <param name="SampleRate">The shared-mode rate in Hz, or 0 when unknown.</param>
/// <param name="Channels">The shared-mode channel count, or 0 when unknown.</param>
/// <param name="IsDefault">True for the default recording device (the console role).</param>
internal sealed record CaptureEndpoint(string Id, string Name, string Adapter, string SampleFormat, int SampleRate, int Channels, bool IsDefault)
{
    /// <summary>
    /// The endpoint <paramref name="requested"/> names: the one with that id, else the one with that friendly name
    /// (ignoring case).
    /// </summary>
    /// <param name="endpoints">The active endpoints.</param>
    /// <param name="requested">What <c>mic:NAME</c> said.</param>
    /// <exception cref="AudioSourceException">No endpoint has that id or name, or several share the name.</exception>
    public static CaptureEndpoint Choose(IReadOnlyList<CaptureEndpoint> endpoints, string requested)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrWhiteSpace(requested);
        var byId = endpoints.FirstOrDefault(e => string.Equals(e.Id, requested, StringComparison.OrdinalIgnoreCase));
        if (byId is not null)
        {
            return byId;
        }

        var byName = endpoints.Where(e => string.Equals(e.Name, requested, StringComparison.OrdinalIgnoreCase)).ToArray();
        return byName.Length switch
        {
            1 => byName[0],
            0 => throw WasapiErrors.UnknownDevice(requested, endpoints.Select(e => e.Name).Distinct(StringComparer.Ordinal).ToArray()),
            _ => throw WasapiErrors.AmbiguousDevice(requested, byName.Select(e => e.Id).ToArray()),
        };
    }
}
