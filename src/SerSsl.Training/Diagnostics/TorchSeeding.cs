using static TorchSharp.torch;

namespace SerSsl.Training.Diagnostics;

/// <summary>
/// Seeding of torch's process-wide default generator, which weight initialisation, <c>randn</c> and dropout draw from.
/// One lock for the whole process, so that concurrent runs (parallel tests) cannot interleave a seed and the draws that
/// should follow it.
/// </summary>
internal static class TorchSeeding
{
    private static readonly Lock s_lock = new();

    /// <summary>Seeds the generator.</summary>
    public static void Seed(long seed)
    {
        lock (s_lock)
        {
            manual_seed(seed);
        }
    }

    /// <summary>Runs <paramref name="create"/> right after <c>torch.manual_seed(seed)</c>, with no other seeding in between.</summary>
    public static T Seeded<T>(long seed, Func<T> create)
    {
        ArgumentNullException.ThrowIfNull(create);
        lock (s_lock)
        {
            manual_seed(seed);
            return create();
        }
    }
}
