using System.Diagnostics;
using SerSsl.TestSupport;
using SerSsl.Training.Data.Unlabeled;

namespace SerSsl.Training.Tests.Data.Unlabeled;

/// <summary>
/// The OpenFace CSV reader in the bounded fuzz stage: mutated copies of the seeds in <c>fuzz-corpus</c> (our own small
/// files) may only raise the documented <see cref="InvalidDataException"/>, each within a time and memory bound.
/// <c>SERSSL_FUZZ_ITERATIONS</c> sets the iterations.
/// </summary>
public sealed class OpenFaceCsvFuzzTests
{
    [Fact]
    public void Read_MutatedCsv_OnlyInvalidDataException()
    {
        var corpus = Path.Combine(AppContext.BaseDirectory, "Data", "Unlabeled", "fuzz-corpus");
        var seeds = Directory.GetFiles(corpus, "*.csv").Order(StringComparer.Ordinal).Select(File.ReadAllBytes).ToList();
        Assert.Equal(2, seeds.Count);
        var mutator = new InputMutator(21);
        int parsed = 0, refused = 0;
        var iterations = InputMutator.Iterations(3000);

        for (var i = 0; i < iterations; i++)
        {
            var input = i < seeds.Count ? seeds[i] : mutator.Mutate(seeds[i % seeds.Count], seeds);
            var allocated = GC.GetAllocatedBytesForCurrentThread();
            var watch = Stopwatch.StartNew();
            try
            {
                OpenFaceCsvReader.Read(new MemoryStream(input, writable: false), $"fuzz-{i}.csv");
                parsed++;
            }
            catch (InvalidDataException ex)
            {
                Assert.Contains($"fuzz-{i}.csv", ex.Message, StringComparison.Ordinal);
                refused++;
            }
            catch (Exception ex)
            {
                var saved = Path.Combine(Path.GetTempPath(), $"serssl-fuzz-openface-{i}.csv");
                File.WriteAllBytes(saved, input);
                Assert.Fail($"iteration {i}: {ex.GetType().Name}: {ex.Message} (input saved as {saved})\n{ex}");
            }

            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"iteration {i} took {watch.Elapsed}");
            Assert.True(GC.GetAllocatedBytesForCurrentThread() - allocated < 64L << 20, $"iteration {i} allocated too much");
        }

        TestContext.Current.SendDiagnosticMessage($"OpenFace CSV: {parsed} parsed, {refused} refused");
        Assert.True(parsed >= 2 && refused > 0, $"{parsed} parsed, {refused} refused");
    }
}
