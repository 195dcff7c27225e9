using System.CommandLine;
using SerSsl.Core.Evaluation;
using SerSsl.Core.Labels;
using SerSsl.Core.Models;
using SerSsl.TestSupport;
using SerSsl.Training.Evaluation;
using SerSsl.Training.Export;
using SerSsl.Training.Models;
using SerSsl.Training.Tests.Synthesis;
using SerSsl.Training.Training;

namespace SerSsl.Training.Tests.Export;

/// <summary><c>sers-train export</c> through the real command line, on a small checkpoint written by hand.</summary>
public sealed class ExportCommandTests : IDisposable
{
    private readonly string _dir = RepoPaths.NewTempDirectory("export");

    public void Dispose() => SynthTestSupport.DeleteQuietly(_dir);

    [Fact]
    public void Export_FinetuneCheckpoint_WritesValidatedBundleWithProvenanceAndPrintsParity()
    {
        var checkpoint = WriteCheckpoint("finetune", AggregatorKind.SelfAttention);
        var output = Path.Combine(_dir, "bundle");
        Directory.CreateDirectory(output);
        File.WriteAllText(Path.Combine(output, "MODEL_CARD.md"), "kept");

        var (exitCode, stdout, stderr) = Run("export", "--checkpoint", checkpoint, "--out", output, "--name", "tiny");

        Assert.True(exitCode == 0, stderr);
        var bundle = ModelBundle.Load(output);
        Assert.Equal("tiny", bundle.Manifest.Name);
        Assert.Equal(CremaDEmotion.Codes, bundle.Labels);
        Assert.Equal(4, bundle.Manifest.Chunks.MaxChunks);   // ceil(350 / 100) chunks per clip in training
        Assert.Equal(25, bundle.Manifest.Chunks.DefaultHopFrames);
        Assert.Equal(0.5, bundle.Manifest.Provenance.Metrics["devMacroF1"]);
        Assert.Equal(0.75, bundle.Manifest.Provenance.Metrics["testAccuracy"], 6);
        Assert.Contains("testF1.ANG", bundle.Manifest.Provenance.Metrics.Keys);
        Assert.Contains("SYNTHETIC", bundle.Manifest.Provenance.Data, StringComparison.Ordinal);
        Assert.Contains("weights of epoch 2 of 3", bundle.Manifest.Provenance.Data, StringComparison.Ordinal);
        Assert.Equal("sers-train finetune --crema-d speech --out ft", bundle.Manifest.Provenance.Commands[0]);
        Assert.StartsWith("sers-train export --checkpoint", bundle.Manifest.Provenance.Commands[^1], StringComparison.Ordinal);
        Assert.False(string.IsNullOrWhiteSpace(bundle.Manifest.Provenance.CodeVersion));
        Assert.Contains("encoder.onnx", stdout, StringComparison.Ordinal);
        Assert.Contains("parity ORT_DISABLE_ALL: 5 cases", stdout, StringComparison.Ordinal);
        Assert.Contains("parity ORT_ENABLE_ALL: 5 cases", stdout, StringComparison.Ordinal);
        Assert.Contains("parity within tolerance", stdout, StringComparison.Ordinal);
        Assert.Equal("kept", File.ReadAllText(Path.Combine(output, "MODEL_CARD.md")));
    }

    [Fact]
    public void Export_WeightsFileAndMaxChunks_UsesThatFileAndK()
    {
        var checkpoint = WriteCheckpoint("finetune", AggregatorKind.Mean);
        var output = Path.Combine(_dir, "bundle");

        var (exitCode, stdout, stderr) = Run("export", "--checkpoint", Path.Combine(checkpoint, Checkpoint.ModelFile), "--out", output, "--max-chunks", "12");

        Assert.True(exitCode == 0, stderr);
        var manifest = ModelBundle.Load(output).Manifest;
        Assert.Equal(12, manifest.Chunks.MaxChunks);
        Assert.Equal("ckpt", manifest.Name);
        Assert.DoesNotContain("testAccuracy", manifest.Provenance.Metrics.Keys);   // the test result belongs to best.pt
        Assert.Contains(Checkpoint.ModelFile, stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Export_VavlFoldCheckpointWithPathAliases_RecordsTheFoldAndNoMachineFolders()
    {
        var checkpoint = WriteCheckpoint("finetune", AggregatorKind.Gated, new Dictionary<string, string>
        {
            ["command"] = "sers-train finetune --crema-d /data/corpora/crema-d --folds vavl:/data/corpora/crema-d/folds/vavl --fold 3 --out /home/me/runs/f3",
            ["cremaD"] = "/data/corpora/crema-d",
            ["synthetic"] = "no",
            ["audio"] = "Ogg Opus",
            ["folds"] = "vavl:/data/corpora/crema-d/folds/vavl",
            ["fold"] = "3",
            ["labels"] = "vavl",
            ["init"] = "none",
        });
        var output = Path.Combine(_dir, "bundle");

        var (exitCode, _, stderr) = Run(
            "export", "--checkpoint", checkpoint, "--out", output,
            "--path-alias", "/data/corpora/crema-d=CREMA-D", "--path-alias", "/home/me/runs/=runs", "--path-alias", _dir + "=WORK");

        Assert.True(exitCode == 0, stderr);
        var provenance = ModelBundle.Load(output).Manifest.Provenance;
        Assert.Contains("CREMA-D 'crema-d' (Ogg Opus audio), VAVL fold 3: its training speakers", provenance.Data, StringComparison.Ordinal);
        Assert.DoesNotContain("partition", provenance.Data, StringComparison.Ordinal);
        Assert.Equal("sers-train finetune --crema-d CREMA-D --folds vavl:CREMA-D/folds/vavl --fold 3 --out runs/f3", provenance.Commands[0]);
        Assert.Equal("sers-train export --checkpoint WORK/ckpt --out WORK/bundle", provenance.Commands[^1]); // the aliases themselves are not recorded
    }

    [Theory]
    [InlineData("=CREMA-D")]
    [InlineData("/data/crema-d=")]
    [InlineData("no-equals-sign")]
    public void Export_MalformedPathAlias_IsRefusedWithTheExpectedForm(string alias)
    {
        var checkpoint = WriteCheckpoint("finetune", AggregatorKind.Mean);

        var (exitCode, _, stderr) = Run("export", "--checkpoint", checkpoint, "--out", Path.Combine(_dir, "bundle"), "--path-alias", alias);

        Assert.NotEqual(0, exitCode);
        Assert.Contains("expected FROM=TO", stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_dir, "bundle")), "nothing is written when an option is wrong");
    }

    [Theory]
    [InlineData("nowhere", "No checkpoint at")]
    [InlineData("ckpt/encoder.pt", "holds the chunk encoder alone")]
    [InlineData("ckpt/checkpoint.json", "is not model weights")]
    public void Export_NotAFinetuneCheckpoint_ExitsWithTwoAndAClearMessage(string path, string expected)
    {
        WriteCheckpoint("finetune", AggregatorKind.Mean);

        var (exitCode, _, stderr) = Run("export", "--checkpoint", Path.Combine(_dir, path), "--out", Path.Combine(_dir, "bundle"));

        Assert.Equal(2, exitCode);
        Assert.StartsWith("error: ", stderr, StringComparison.Ordinal);
        Assert.Contains(expected, stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Export_PretrainCheckpoint_ExplainsThatTheHeadWasNeverTrained()
    {
        var checkpoint = WriteCheckpoint("pretrain", AggregatorKind.Mean);

        var (exitCode, _, stderr) = Run("export", "--checkpoint", checkpoint, "--out", Path.Combine(_dir, "bundle"));

        Assert.Equal(2, exitCode);
        Assert.Contains("holds a pretrain checkpoint, whose emotion head was never trained", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Export_WeightsOfAnotherArchitecture_ExitsWithTwoAndAClearMessage()
    {
        var checkpoint = WriteCheckpoint("finetune", AggregatorKind.Mean);
        using var other = new SerModel(ExportTestSupport.Small(AggregatorKind.Gated));
        other.save(Path.Combine(checkpoint, Checkpoint.BestFile));

        var (exitCode, _, stderr) = Run("export", "--checkpoint", checkpoint, "--out", Path.Combine(_dir, "bundle"));

        Assert.Equal(2, exitCode);
        Assert.Contains("is not a model state of the architecture in checkpoint.json", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Help_Export_DescribesTheBundle()
    {
        var (_, stdout, _) = Run("export", "--help");

        Assert.Contains("--checkpoint", stdout, StringComparison.Ordinal);
        Assert.Contains("--max-chunks", stdout, StringComparison.Ordinal);
        Assert.Contains("manifest.json", stdout, StringComparison.Ordinal);
    }

    /// <summary>A checkpoint folder as pretrain or finetune leaves it, with a small model and a test result.</summary>
    private string WriteCheckpoint(string kind, AggregatorKind aggregator, Dictionary<string, string>? provenance = null)
    {
        var dir = Path.Combine(_dir, "ckpt");
        Directory.CreateDirectory(dir);
        using var model = ExportTestSupport.Model(aggregator);
        model.save(Path.Combine(dir, Checkpoint.ModelFile));
        model.save(Path.Combine(dir, Checkpoint.BestFile));
        model.SaveEncoder(Path.Combine(dir, Checkpoint.EncoderFile));
        var spec = ExportTestSupport.Spec(model);
        Checkpoint.WriteState(dir, new CheckpointState
        {
            Kind = kind,
            Epoch = 3,
            Complete = true,
            ModelOptionsJson = model.Options.ToJson(),
            Settings = new TrainingSettings(),
            Normalizer = new FeatureNormalizer(spec.Normalization.Mean, spec.Normalization.Std),
            MaxSentenceFrames = 350,
            ChunkFrames = 100,
            Labels = kind == "finetune" ? CremaDEmotion.Codes : [],
            BestDevMacroF1 = kind == "finetune" ? 0.5 : null,
            BestEpoch = 2,
            Provenance = provenance ?? new Dictionary<string, string>
            {
                ["command"] = $"sers-train {kind} --crema-d speech --out ft",
                ["cremaD"] = "/data/speech",
                ["synthetic"] = "yes",
                ["partition"] = "0",
                ["init"] = "none",
            },
        });
        var matrix = new ConfusionMatrix(6);
        for (var k = 0; k < 6; k++)
        {
            matrix.Add(k, k, 3);
            matrix.Add(k, (k + 1) % 6, 1);
        }

        File.WriteAllText(Path.Combine(dir, Experiment.TestResultFile), ResultsJson.Serialize(PartitionResult.Create("partition-0", matrix)));
        return dir;
    }

    private static (int ExitCode, string Stdout, string Stderr) Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = TrainCommandLine.Build().Parse(args).Invoke(new InvocationConfiguration { Output = output, Error = error });
        return (exitCode, output.ToString(), error.ToString());
    }
}
