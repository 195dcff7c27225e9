using System.CommandLine;
using SerSsl.Synthesis;
using SerSsl.TestSupport;
using SerSsl.Training.Commands;

namespace SerSsl.Training.Tests.Synthesis;

public sealed class EspeakSynthesizerTests
{
    private const string MissingExecutable = "/nonexistent/bin/espeak-ng";

    [Fact]
    public void GetVersion_MissingExecutable_ThrowsNotFoundWithInstallHint()
    {
        var synthesizer = new EspeakSynthesizer(MissingExecutable);

        var ex = Assert.Throws<EspeakNotFoundException>(() => synthesizer.GetVersion());

        Assert.StartsWith("espeak-ng not found: install it with `apt-get install espeak-ng`", ex.Message, StringComparison.Ordinal);
        Assert.Contains(MissingExecutable, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("speech")]
    [InlineData("av")]
    public void SynthCommand_MissingEspeak_PrintsInstallHintAndCreatesNothing(string kind)
    {
        var directory = Path.Combine(Path.GetTempPath(), "serssl-tests", $"synth-missing-{Guid.NewGuid():N}");
        using var output = new StringWriter();
        using var error = new StringWriter();
        var configuration = new InvocationConfiguration { Output = output, Error = error };
        string[] args = kind == "speech"
            ? ["synth", "speech", "--out", directory, "--actors", "1", "--espeak-ng", MissingExecutable]
            : ["synth", "av", "--out", directory, "--hours", "0.01", "--espeak-ng", MissingExecutable];

        var exitCode = TrainCommandLine.Build().Parse(args).Invoke(configuration);

        Assert.Equal(SynthCommand.FailureExitCode, exitCode);
        Assert.Contains("espeak-ng not found: install it with `apt-get install espeak-ng`", error.ToString(), StringComparison.Ordinal);
        Assert.False(Directory.Exists(directory), "nothing should be written when espeak-ng is missing");
    }

    [Fact]
    public void SynthCommand_UnknownSentence_FailsWithUsageError()
    {
        SynthTestSupport.RequireEspeak();
        var directory = RepoPaths.NewTempDirectory("synth-bad-sentence");
        try
        {
            using var output = new StringWriter();
            using var error = new StringWriter();
            var configuration = new InvocationConfiguration { Output = output, Error = error };

            var exitCode = TrainCommandLine.Build().Parse(["synth", "speech", "--out", directory, "--sentences", "IEO,XYZ"]).Invoke(configuration);

            Assert.Equal(SynthCommand.UsageExitCode, exitCode);
            Assert.Contains("'XYZ' is not a CREMA-D sentence code", error.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            SynthTestSupport.DeleteQuietly(directory);
        }
    }

    [Fact]
    public void BuildSsml_TextWithApostrophe_EscapesItAndSetsRange()
    {
        var prosody = new ProsodySample(50, 130, 170, 1, PauseRate: 0, PauseMs: 200, GainDb: 0, Tilt: 0, TremoloDepth: 0, TremoloHz: 0);

        var ssml = EspeakSynthesizer.BuildSsml("It's eleven o'clock", prosody, SynthRandom.For(1, "test"));

        Assert.Equal("<speak><prosody range=\"130%\">It&apos;s eleven o&apos;clock</prosody></speak>", ssml);
    }

    [Fact]
    public void BuildSsml_CertainPauses_PutsABreakBetweenEveryPairOfWords()
    {
        var prosody = new ProsodySample(50, 100, 170, 1, PauseRate: 1, PauseMs: 200, GainDb: 0, Tilt: 0, TremoloDepth: 0, TremoloHz: 0);

        var ssml = EspeakSynthesizer.BuildSsml("The surface is slick", prosody, SynthRandom.For(1, "test"));

        Assert.Equal(3, ssml.Split("<break time=").Length - 1);
    }

    [Fact]
    public void Synthesize_ShortSentence_ReturnsAudioAtEspeakRate()
    {
        SynthTestSupport.RequireEspeak();
        var prosody = new ProsodySample(50, 100, 170, 1, PauseRate: 0, PauseMs: 200, GainDb: 0, Tilt: 0, TremoloDepth: 0, TremoloHz: 0);

        var audio = new EspeakSynthesizer().Synthesize("en-us+m3", prosody, "Don't forget a jacket", SynthRandom.For(1, "test"));

        Assert.Equal(22050, audio.SampleRate);
        Assert.InRange(audio.Duration.TotalSeconds, 0.5, 3);
        Assert.Contains(audio.Samples, s => Math.Abs(s) > 0.05f);
    }
}
