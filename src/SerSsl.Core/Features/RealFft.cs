using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace SerSsl.Core.Features;

/// <summary>
/// Forward FFT of a real signal of power-of-two length N, computed as one complex FFT of N/2 points
/// (even samples as real parts, odd samples as imaginary parts) followed by the usual split step.
/// Output is the one-sided spectrum X[k], k = 0..N/2, unnormalised: X[k] = sum_n x[n] e^(-2 pi i k n / N).
/// </summary>
/// <remarks>
/// The complex FFT is an iterative radix-2 decimation in time over split real/imaginary arrays: the
/// input is scattered in bit-reversed order, the first two stages are fused into one radix-4 pass with
/// trivial twiddles, and later stages read per-stage contiguous twiddle tables (SIMD when available).
/// Every operation is a plain IEEE multiply or add in a fixed order (no fused multiply-add, no
/// address-dependent reduction), so equal inputs give bitwise equal outputs regardless of buffer
/// alignment or code path. Not thread-safe: the instance owns its scratch buffers.
/// </remarks>
internal sealed class RealFft
{
    private readonly int _length;
    private readonly int _half;
    private readonly int[] _bitReverse;
    private readonly float[] _stageCos;
    private readonly float[] _stageSin;
    private readonly float[] _splitCos;
    private readonly float[] _splitSin;
    private readonly float[] _re;
    private readonly float[] _im;

    /// <summary>Creates a plan for real input of <paramref name="length"/> samples.</summary>
    /// <param name="length">FFT length, a power of two of at least 4.</param>
    /// <exception cref="ArgumentOutOfRangeException">The length is below 4 or not a power of two.</exception>
    public RealFft(int length)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 4);
        if (!int.IsPow2(length))
        {
            throw new ArgumentOutOfRangeException(nameof(length), length, "The FFT length must be a power of two.");
        }

        _length = length;
        _half = length / 2;
        var bits = int.Log2(_half);
        _bitReverse = new int[_half];
        for (var i = 0; i < _half; i++)
        {
            _bitReverse[i] = ReverseBits(i, bits);
        }

        // Stage with half-size h (h = 1, 2, 4, ..., M/2) uses W_{2h}^j = exp(-2 pi i j / (2h)), j < h,
        // stored at offset h - 1 so that each stage reads a contiguous run.
        _stageCos = new float[Math.Max(_half - 1, 1)];
        _stageSin = new float[Math.Max(_half - 1, 1)];
        for (var h = 1; h < _half; h *= 2)
        {
            for (var j = 0; j < h; j++)
            {
                var angle = -Math.PI * j / h;
                _stageCos[h - 1 + j] = (float)Math.Cos(angle);
                _stageSin[h - 1 + j] = (float)Math.Sin(angle);
            }
        }

        // Split step twiddles W_N^k = exp(-2 pi i k / N), k < N/2.
        _splitCos = new float[_half];
        _splitSin = new float[_half];
        for (var k = 0; k < _half; k++)
        {
            var angle = -2.0 * Math.PI * k / length;
            _splitCos[k] = (float)Math.Cos(angle);
            _splitSin[k] = (float)Math.Sin(angle);
        }

        _re = new float[_half];
        _im = new float[_half];
    }

    /// <summary>The real input length N.</summary>
    public int Length => _length;

    /// <summary>The number of one-sided output bins, N/2 + 1.</summary>
    public int BinCount => _half + 1;

    /// <summary>
    /// Computes the one-sided spectrum of <paramref name="input"/>, implicitly zero-padded to <see cref="Length"/>.
    /// </summary>
    /// <param name="input">At most <see cref="Length"/> real samples.</param>
    /// <param name="real">Receives Re X[k] for k = 0..N/2 (at least <see cref="BinCount"/> elements).</param>
    /// <param name="imaginary">Receives Im X[k] for k = 0..N/2 (at least <see cref="BinCount"/> elements).</param>
    /// <exception cref="ArgumentException">A span has the wrong length.</exception>
    public void Forward(ReadOnlySpan<float> input, Span<float> real, Span<float> imaginary)
    {
        if (input.Length > _length)
        {
            throw new ArgumentException($"The input has {input.Length} samples; at most {_length} fit this FFT.", nameof(input));
        }

        if (real.Length < BinCount || imaginary.Length < BinCount)
        {
            throw new ArgumentException($"The output spans need at least {BinCount} elements.", real.Length < BinCount ? nameof(real) : nameof(imaginary));
        }

        Pack(input);
        Radix4FirstStages();
        for (var h = 4; h < _half; h *= 2)
        {
            ButterflyStage(h);
        }

        Split(real, imaginary);
    }

    /// <summary>Scatters x[2n] + i x[2n+1] into bit-reversed positions, zero-padding past the input.</summary>
    private void Pack(ReadOnlySpan<float> input)
    {
        var re = _re.AsSpan();
        var im = _im.AsSpan();
        var rev = _bitReverse.AsSpan();
        var pairs = input.Length / 2;
        var n = 0;
        for (; n < pairs; n++)
        {
            var r = rev[n];
            re[r] = input[2 * n];
            im[r] = input[(2 * n) + 1];
        }

        if ((input.Length & 1) != 0)
        {
            var r = rev[n];
            re[r] = input[2 * n];
            im[r] = 0f;
            n++;
        }

        for (; n < rev.Length; n++)
        {
            var r = rev[n];
            re[r] = 0f;
            im[r] = 0f;
        }
    }

    /// <summary>Stages h = 1 (twiddle 1) and h = 2 (twiddles 1, -i) fused into one radix-4 pass.</summary>
    private void Radix4FirstStages()
    {
        var re = _re.AsSpan();
        var im = _im.AsSpan();
        if (_half == 2)
        {
            // Only the h = 1 stage exists.
            float r0 = re[0], i0 = im[0], r1 = re[1], i1 = im[1];
            re[0] = r0 + r1;
            im[0] = i0 + i1;
            re[1] = r0 - r1;
            im[1] = i0 - i1;
            return;
        }

        for (var s = 0; s + 3 < re.Length; s += 4)
        {
            float r0 = re[s], i0 = im[s];
            float r1 = re[s + 1], i1 = im[s + 1];
            float r2 = re[s + 2], i2 = im[s + 2];
            float r3 = re[s + 3], i3 = im[s + 3];

            // h = 1
            float a0r = r0 + r1, a0i = i0 + i1;
            float a1r = r0 - r1, a1i = i0 - i1;
            float a2r = r2 + r3, a2i = i2 + i3;
            float a3r = r2 - r3, a3i = i2 - i3;

            // h = 2: (-i) * (a3r + i a3i) = a3i - i a3r
            re[s] = a0r + a2r;
            im[s] = a0i + a2i;
            re[s + 2] = a0r - a2r;
            im[s + 2] = a0i - a2i;
            re[s + 1] = a1r + a3i;
            im[s + 1] = a1i - a3r;
            re[s + 3] = a1r - a3i;
            im[s + 3] = a1i + a3r;
        }
    }

    /// <summary>One radix-2 stage combining blocks of size h into blocks of size 2h.</summary>
    private void ButterflyStage(int h)
    {
        ref var re = ref MemoryMarshal.GetArrayDataReference(_re);
        ref var im = ref MemoryMarshal.GetArrayDataReference(_im);
        ref var wc = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_stageCos), h - 1);
        ref var ws = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_stageSin), h - 1);
        var size = 2 * h;
        var count = _half;

        if (Vector256.IsHardwareAccelerated && h >= Vector256<float>.Count)
        {
            for (var start = 0; start < count; start += size)
            {
                for (var j = 0; j < h; j += Vector256<float>.Count)
                {
                    var a = (nuint)(start + j);
                    var b = a + (nuint)h;
                    var cr = Vector256.LoadUnsafe(ref wc, (nuint)j);
                    var ci = Vector256.LoadUnsafe(ref ws, (nuint)j);
                    var br = Vector256.LoadUnsafe(ref re, b);
                    var bi = Vector256.LoadUnsafe(ref im, b);
                    var tr = (br * cr) - (bi * ci);
                    var ti = (br * ci) + (bi * cr);
                    var ar = Vector256.LoadUnsafe(ref re, a);
                    var ai = Vector256.LoadUnsafe(ref im, a);
                    (ar + tr).StoreUnsafe(ref re, a);
                    (ai + ti).StoreUnsafe(ref im, a);
                    (ar - tr).StoreUnsafe(ref re, b);
                    (ai - ti).StoreUnsafe(ref im, b);
                }
            }

            return;
        }

        if (Vector128.IsHardwareAccelerated && h >= Vector128<float>.Count)
        {
            for (var start = 0; start < count; start += size)
            {
                for (var j = 0; j < h; j += Vector128<float>.Count)
                {
                    var a = (nuint)(start + j);
                    var b = a + (nuint)h;
                    var cr = Vector128.LoadUnsafe(ref wc, (nuint)j);
                    var ci = Vector128.LoadUnsafe(ref ws, (nuint)j);
                    var br = Vector128.LoadUnsafe(ref re, b);
                    var bi = Vector128.LoadUnsafe(ref im, b);
                    var tr = (br * cr) - (bi * ci);
                    var ti = (br * ci) + (bi * cr);
                    var ar = Vector128.LoadUnsafe(ref re, a);
                    var ai = Vector128.LoadUnsafe(ref im, a);
                    (ar + tr).StoreUnsafe(ref re, a);
                    (ai + ti).StoreUnsafe(ref im, a);
                    (ar - tr).StoreUnsafe(ref re, b);
                    (ai - ti).StoreUnsafe(ref im, b);
                }
            }

            return;
        }

        var reS = _re.AsSpan();
        var imS = _im.AsSpan();
        var cosS = _stageCos.AsSpan(h - 1, h);
        var sinS = _stageSin.AsSpan(h - 1, h);
        for (var start = 0; start < count; start += size)
        {
            for (var j = 0; j < h; j++)
            {
                var a = start + j;
                var b = a + h;
                float cr = cosS[j], ci = sinS[j];
                float br = reS[b], bi = imS[b];
                var tr = (br * cr) - (bi * ci);
                var ti = (br * ci) + (bi * cr);
                float ar = reS[a], ai = imS[a];
                reS[a] = ar + tr;
                imS[a] = ai + ti;
                reS[b] = ar - tr;
                imS[b] = ai - ti;
            }
        }
    }

    /// <summary>
    /// Recovers the N-point real spectrum from the N/2-point complex spectrum Z:
    /// X[k] = E[k] + W_N^k O[k] with E[k] = (Z[k] + conj Z[M-k]) / 2 and O[k] = -i (Z[k] - conj Z[M-k]) / 2.
    /// </summary>
    private void Split(Span<float> real, Span<float> imaginary)
    {
        var re = _re.AsSpan();
        var im = _im.AsSpan();
        var cos = _splitCos.AsSpan();
        var sin = _splitSin.AsSpan();
        var m = _half;

        real[0] = re[0] + im[0];
        imaginary[0] = 0f;
        real[m] = re[0] - im[0];
        imaginary[m] = 0f;

        for (var k = 1; k < m; k++)
        {
            float ar = re[k], ai = im[k];
            float br = re[m - k], bi = im[m - k];
            var er = 0.5f * (ar + br);
            var ei = 0.5f * (ai - bi);
            var or = 0.5f * (ai + bi);
            var oi = 0.5f * (br - ar);
            float c = cos[k], s = sin[k];
            real[k] = er + ((c * or) - (s * oi));
            imaginary[k] = ei + ((c * oi) + (s * or));
        }
    }

    private static int ReverseBits(int value, int bits)
    {
        var result = 0;
        for (var b = 0; b < bits; b++)
        {
            result = (result << 1) | ((value >> b) & 1);
        }

        return result;
    }
}
