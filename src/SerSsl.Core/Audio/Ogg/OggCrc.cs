namespace SerSsl.Core.Audio.Ogg;

/// <summary>
/// The CRC-32 of an Ogg page (RFC 3533 section 6): polynomial 0x04C11DB7, initial value 0, no reflection and no final
/// XOR, computed over the whole page with its checksum field set to zero.
/// </summary>
internal static class OggCrc
{
    private static readonly uint[] s_table = BuildTable();

    /// <summary>Continues a CRC over <paramref name="data"/>.</summary>
    /// <param name="crc">The CRC so far (0 to start).</param>
    /// <param name="data">The next bytes.</param>
    /// <returns>The CRC including <paramref name="data"/>.</returns>
    public static uint Update(uint crc, ReadOnlySpan<byte> data)
    {
        var table = s_table;
        foreach (var b in data)
        {
            crc = (crc << 8) ^ table[(byte)(crc >> 24) ^ b];
        }

        return crc;
    }

    private static uint[] BuildTable()
    {
        var table = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            var r = i << 24;
            for (var bit = 0; bit < 8; bit++)
            {
                r = (r & 0x8000_0000) != 0 ? (r << 1) ^ 0x04C1_1DB7 : r << 1;
            }

            table[i] = r;
        }

        return table;
    }
}
