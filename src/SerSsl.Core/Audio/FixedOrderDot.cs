using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace SerSsl.Core.Audio;

/// <summary>
/// A SIMD dot product whose summation order depends only on the length and the process's vector width,
/// never on memory addresses or JIT tier.
/// </summary>
/// <remarks>
/// <c>TensorPrimitives.Dot</c> aligns its main loop to the address of the first operand for long inputs, so
/// the grouping of the partial sums (and therefore the last bits of the result) changes with where the data
/// happens to sit in memory. A streaming resampler that must give bit-identical output for any block split
/// (and across GC compaction) cannot use it; this routine uses unaligned loads, fixed accumulators and an
/// explicit horizontal reduction. Fused multiply-add is used only where the hardware has it; the software
/// fallback of <c>FusedMultiplyAdd</c> is also exactly rounded, so a method running before and after tier-up
/// gives the same bits.
/// </remarks>
internal static class FixedOrderDot
{
    /// <summary>The length granularity <see cref="Dot"/> requires: lengths must be a multiple of this.</summary>
    public const int Granularity = 16;

    private static readonly bool s_useFma =
        System.Runtime.Intrinsics.X86.Fma.IsSupported || System.Runtime.Intrinsics.Arm.AdvSimd.Arm64.IsSupported;

    /// <summary>Returns the sum of <c>x[i] * y[i]</c>.</summary>
    /// <param name="x">First operand.</param>
    /// <param name="y">Second operand; same length as <paramref name="x"/>.</param>
    /// <remarks>The length must be a multiple of <see cref="Granularity"/>; callers guarantee it.</remarks>
    public static float Dot(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        if (x.Length != y.Length || x.Length % Granularity != 0)
        {
            throw new ArgumentException($"Operands must have equal lengths that are multiples of {Granularity}; got {x.Length} and {y.Length}.", nameof(y));
        }

        ref var xRef = ref MemoryMarshal.GetReference(x);
        ref var yRef = ref MemoryMarshal.GetReference(y);
        var length = (nuint)x.Length;

        if (Vector512.IsHardwareAccelerated)
        {
            return Dot512(ref xRef, ref yRef, length);
        }

        if (Vector256.IsHardwareAccelerated)
        {
            return Dot256(ref xRef, ref yRef, length);
        }

        if (Vector128.IsHardwareAccelerated)
        {
            return Dot128(ref xRef, ref yRef, length);
        }

        return DotScalar(x, y);
    }

    private static float Dot512(ref float xRef, ref float yRef, nuint length)
    {
        var acc0 = Vector512<float>.Zero;
        var acc1 = Vector512<float>.Zero;
        var acc2 = Vector512<float>.Zero;
        var acc3 = Vector512<float>.Zero;
        var width = (nuint)Vector512<float>.Count;
        nuint i = 0;
        for (; i + (4 * width) <= length; i += 4 * width)
        {
            acc0 = MulAdd(Vector512.LoadUnsafe(ref xRef, i), Vector512.LoadUnsafe(ref yRef, i), acc0);
            acc1 = MulAdd(Vector512.LoadUnsafe(ref xRef, i + width), Vector512.LoadUnsafe(ref yRef, i + width), acc1);
            acc2 = MulAdd(Vector512.LoadUnsafe(ref xRef, i + (2 * width)), Vector512.LoadUnsafe(ref yRef, i + (2 * width)), acc2);
            acc3 = MulAdd(Vector512.LoadUnsafe(ref xRef, i + (3 * width)), Vector512.LoadUnsafe(ref yRef, i + (3 * width)), acc3);
        }

        for (; i < length; i += width)
        {
            acc0 = MulAdd(Vector512.LoadUnsafe(ref xRef, i), Vector512.LoadUnsafe(ref yRef, i), acc0);
        }

        var sum = (acc0 + acc1) + (acc2 + acc3);
        return Reduce(sum.GetLower() + sum.GetUpper());
    }

    private static float Dot256(ref float xRef, ref float yRef, nuint length)
    {
        var acc0 = Vector256<float>.Zero;
        var acc1 = Vector256<float>.Zero;
        var acc2 = Vector256<float>.Zero;
        var acc3 = Vector256<float>.Zero;
        var width = (nuint)Vector256<float>.Count;
        nuint i = 0;
        for (; i + (4 * width) <= length; i += 4 * width)
        {
            acc0 = MulAdd(Vector256.LoadUnsafe(ref xRef, i), Vector256.LoadUnsafe(ref yRef, i), acc0);
            acc1 = MulAdd(Vector256.LoadUnsafe(ref xRef, i + width), Vector256.LoadUnsafe(ref yRef, i + width), acc1);
            acc2 = MulAdd(Vector256.LoadUnsafe(ref xRef, i + (2 * width)), Vector256.LoadUnsafe(ref yRef, i + (2 * width)), acc2);
            acc3 = MulAdd(Vector256.LoadUnsafe(ref xRef, i + (3 * width)), Vector256.LoadUnsafe(ref yRef, i + (3 * width)), acc3);
        }

        for (; i < length; i += width)
        {
            acc0 = MulAdd(Vector256.LoadUnsafe(ref xRef, i), Vector256.LoadUnsafe(ref yRef, i), acc0);
        }

        return Reduce((acc0 + acc1) + (acc2 + acc3));
    }

    private static float Dot128(ref float xRef, ref float yRef, nuint length)
    {
        var acc0 = Vector128<float>.Zero;
        var acc1 = Vector128<float>.Zero;
        var acc2 = Vector128<float>.Zero;
        var acc3 = Vector128<float>.Zero;
        var width = (nuint)Vector128<float>.Count;
        nuint i = 0;
        for (; i + (4 * width) <= length; i += 4 * width)
        {
            acc0 = MulAdd(Vector128.LoadUnsafe(ref xRef, i), Vector128.LoadUnsafe(ref yRef, i), acc0);
            acc1 = MulAdd(Vector128.LoadUnsafe(ref xRef, i + width), Vector128.LoadUnsafe(ref yRef, i + width), acc1);
            acc2 = MulAdd(Vector128.LoadUnsafe(ref xRef, i + (2 * width)), Vector128.LoadUnsafe(ref yRef, i + (2 * width)), acc2);
            acc3 = MulAdd(Vector128.LoadUnsafe(ref xRef, i + (3 * width)), Vector128.LoadUnsafe(ref yRef, i + (3 * width)), acc3);
        }

        return Reduce((acc0 + acc1) + (acc2 + acc3));
    }

    private static float DotScalar(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        var sum = 0f;
        for (var i = 0; i < x.Length; i++)
        {
            sum += x[i] * y[i];
        }

        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> MulAdd(Vector512<float> a, Vector512<float> b, Vector512<float> acc) =>
        s_useFma ? Vector512.FusedMultiplyAdd(a, b, acc) : (a * b) + acc;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> MulAdd(Vector256<float> a, Vector256<float> b, Vector256<float> acc) =>
        s_useFma ? Vector256.FusedMultiplyAdd(a, b, acc) : (a * b) + acc;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> MulAdd(Vector128<float> a, Vector128<float> b, Vector128<float> acc) =>
        s_useFma ? Vector128.FusedMultiplyAdd(a, b, acc) : (a * b) + acc;

    // Explicit element-wise halving, so the reduction order is spelled out rather than left to Vector*.Sum,
    // whose accelerated and software forms need not add in the same order.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Reduce(Vector256<float> v) => Reduce(v.GetLower() + v.GetUpper());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Reduce(Vector128<float> v) =>
        (v.GetElement(0) + v.GetElement(2)) + (v.GetElement(1) + v.GetElement(3));
}
