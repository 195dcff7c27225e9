using SerSsl.Core.Features;

namespace SerSsl.Core.Tests.Features;

public sealed class LogMelSettingsTests
{
    public static TheoryData<LogMelSettings, string> InvalidSettings => new()
    {
        { LogMelSettings.Default with { SampleRate = 0 }, nameof(LogMelSettings.SampleRate) },
        { LogMelSettings.Default with { WindowLength = -1 }, nameof(LogMelSettings.WindowLength) },
        { LogMelSettings.Default with { HopLength = 0 }, nameof(LogMelSettings.HopLength) },
        { LogMelSettings.Default with { FftLength = 0 }, nameof(LogMelSettings.FftLength) },
        { LogMelSettings.Default with { MelBinCount = 0 }, nameof(LogMelSettings.MelBinCount) },
        { LogMelSettings.Default with { FftLength = 500 }, nameof(LogMelSettings.FftLength) },
        { LogMelSettings.Default with { FftLength = 2, WindowLength = 2, HopLength = 1 }, nameof(LogMelSettings.FftLength) },
        { LogMelSettings.Default with { FftLength = 256 }, nameof(LogMelSettings.WindowLength) },
        { LogMelSettings.Default with { HopLength = 401 }, nameof(LogMelSettings.HopLength) },
        { LogMelSettings.Default with { MinFrequency = -1 }, nameof(LogMelSettings.MinFrequency) },
        { LogMelSettings.Default with { MinFrequency = double.NaN }, nameof(LogMelSettings.MinFrequency) },
        { LogMelSettings.Default with { MinFrequency = 8000 }, nameof(LogMelSettings.MaxFrequency) },
        { LogMelSettings.Default with { MaxFrequency = 8000.5 }, nameof(LogMelSettings.MaxFrequency) },
        { LogMelSettings.Default with { MaxFrequency = double.NaN }, nameof(LogMelSettings.MaxFrequency) },
        { LogMelSettings.Default with { LogFloor = 0 }, nameof(LogMelSettings.LogFloor) },
        { LogMelSettings.Default with { LogFloor = 1e-50 }, nameof(LogMelSettings.LogFloor) },
        { LogMelSettings.Default with { LogFloor = double.NaN }, nameof(LogMelSettings.LogFloor) },
    };

    [Fact]
    public void Default_HasDesignValues()
    {
        var settings = LogMelSettings.Default;

        Assert.Equal(16000, settings.SampleRate);
        Assert.Equal(400, settings.WindowLength);
        Assert.Equal(160, settings.HopLength);
        Assert.Equal(512, settings.FftLength);
        Assert.Equal(64, settings.MelBinCount);
        Assert.Equal(0.0, settings.MinFrequency);
        Assert.Equal(8000.0, settings.MaxFrequency);
        Assert.Equal(1e-10, settings.LogFloor);
        settings.Validate();
    }

    [Theory]
    [MemberData(nameof(InvalidSettings))]
    public void Validate_InvalidValue_ThrowsNamingTheProperty(LogMelSettings settings, string property)
    {
        var error = Assert.Throws<ArgumentException>(settings.Validate);

        Assert.Equal(property, error.ParamName);
        Assert.Contains(property, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_InvalidSettings_ExtractorsThrow()
    {
        var settings = LogMelSettings.Default with { FftLength = 500 };

        Assert.Throws<ArgumentException>(() => new LogMelExtractor(settings));
        Assert.Throws<ArgumentException>(() => new OnlineLogMelExtractor(settings));
    }

    [Fact]
    public void Equality_SameValues_AreEqual()
    {
        Assert.Equal(new LogMelSettings(), LogMelSettings.Default with { });
        Assert.NotEqual(LogMelSettings.Default, LogMelSettings.Default with { MelBinCount = 80 });
    }

    [Fact]
    public void Extract_OtherValidSettings_Works()
    {
        var settings = new LogMelSettings { SampleRate = 8000, WindowLength = 200, HopLength = 80, FftLength = 256, MelBinCount = 40, MinFrequency = 20, MaxFrequency = 4000 };
        var extractor = new LogMelExtractor(settings);

        var frames = extractor.Extract(LogMelExtractorTests.Tone(500, 8000));

        Assert.Equal(98, frames.FrameCount);
        Assert.Equal(40, frames.BinCount);
    }
}
