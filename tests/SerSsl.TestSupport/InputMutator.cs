using System.Buffers.Binary;

namespace SerSsl.TestSupport;

/// <summary>
/// Deterministic input mutations for the bounded fuzz stage: bit flips, extreme bytes, size fields set to extremes,
/// truncations, splices from other seeds, duplicated and deleted regions. The same seed gives the same inputs, so a
/// failure names an iteration that reproduces.
/// </summary>
public sealed class InputMutator(int seed)
{
    private static readonly uint[] s_extremes = [0, 1, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 0xFFFF_FFFE];

    private readonly Random _random = new(seed);

    /// <summary>How many mutation iterations each fuzz test runs: <c>SERSSL_FUZZ_ITERATIONS</c>, else the given default.</summary>
    public static int Iterations(int defaultCount) =>
        int.TryParse(Environment.GetEnvironmentVariable("SERSSL_FUZZ_ITERATIONS"), out var n) && n > 0 ? n : defaultCount;

    /// <summary>One to four mutations of <paramref name="input"/>; <paramref name="corpus"/> supplies splices.</summary>
    public byte[] Mutate(byte[] input, IReadOnlyList<byte[]> corpus)
    {
        var data = new List<byte>(input);
        var rounds = 1 + _random.Next(4);
        for (var round = 0; round < rounds; round++)
        {
            if (data.Count == 0)
            {
                data.AddRange(corpus[_random.Next(corpus.Count)].Take(64));
                continue;
            }

            switch (_random.Next(8))
            {
                case 0:
                    {
                        var i = _random.Next(data.Count);
                        data[i] ^= (byte)(1 << _random.Next(8));
                        break;
                    }

                case 1:
                    data[_random.Next(data.Count)] = (byte)s_extremes[_random.Next(5)];
                    break;
                case 2:
                case 3:
                    {
                        // A size or count field: headers keep them at even offsets, so aim there more often.
                        var offset = _random.Next(Math.Max(1, data.Count - 3)) & ~(_random.Next(2) == 0 ? 3 : 1);
                        var value = _random.Next(3) == 0 ? (uint)(data.Count + _random.Next(-8, 9)) : s_extremes[_random.Next(s_extremes.Length)];
                        Span<byte> field = stackalloc byte[4];
                        BinaryPrimitives.WriteUInt32LittleEndian(field, value);
                        var width = _random.Next(2) == 0 ? 4 : 2;
                        for (var k = 0; k < width && offset + k < data.Count; k++)
                        {
                            data[offset + k] = field[k];
                        }

                        break;
                    }

                case 4:
                    {
                        var keep = _random.Next(data.Count);
                        data.RemoveRange(keep, data.Count - keep);
                        break;
                    }

                case 5:
                    {
                        var other = corpus[_random.Next(corpus.Count)];
                        var start = _random.Next(other.Length);
                        var length = Math.Min(other.Length - start, 1 + _random.Next(256));
                        var at = _random.Next(data.Count + 1);
                        if (_random.Next(2) == 0)
                        {
                            data.InsertRange(at, other.Skip(start).Take(length));
                        }
                        else
                        {
                            for (var k = 0; k < length && at + k < data.Count; k++)
                            {
                                data[at + k] = other[start + k];
                            }
                        }

                        break;
                    }

                case 6:
                    {
                        var start = _random.Next(data.Count);
                        var length = Math.Min(data.Count - start, 1 + _random.Next(128));
                        data.InsertRange(_random.Next(data.Count + 1), data.GetRange(start, length));
                        break;
                    }

                default:
                    {
                        var start = _random.Next(data.Count);
                        data.RemoveRange(start, Math.Min(data.Count - start, 1 + _random.Next(64)));
                        break;
                    }
            }
        }

        return [.. data];
    }
}
