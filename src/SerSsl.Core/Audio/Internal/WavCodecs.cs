using System.Text;

namespace SerSsl.Core.Audio.Internal;

/// <summary>Names for WAVE format tags and RIFF four-character codes, for error messages.</summary>
internal static class WavCodecs
{
    public const ushort Pcm = 0x0001;
    public const ushort IeeeFloat = 0x0003;
    public const ushort Extensible = 0xFFFE;

    /// <summary>Bytes 4..15 of every KSDATAFORMAT_SUBTYPE GUID derived from a format tag: {XXXXXXXX-0000-0010-8000-00AA00389B71}.</summary>
    public static ReadOnlySpan<byte> SubFormatGuidTail => [0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71];

    /// <summary>A readable name for a format tag, e.g. "mu-law" for 7.</summary>
    public static string Name(uint tag) => tag switch
    {
        0x0000 => "unknown (format tag 0)",
        0x0001 => "PCM",
        0x0002 => "Microsoft ADPCM",
        0x0003 => "IEEE float",
        0x0006 => "A-law",
        0x0007 => "mu-law",
        0x0010 => "OKI ADPCM",
        0x0011 => "IMA ADPCM",
        0x0014 => "G.723 ADPCM",
        0x0022 => "DSP Group TrueSpeech",
        0x0031 => "GSM 6.10",
        0x0040 => "G.721 ADPCM",
        0x0042 => "G.723.1",
        0x0050 => "MPEG audio",
        0x0055 => "MP3",
        0x0064 => "G.726 ADPCM",
        0x0092 => "Dolby AC-3 SPDIF",
        0x00FF => "AAC",
        0x0160 or 0x0161 or 0x0162 or 0x0163 => "Windows Media Audio",
        0x1610 => "HE-AAC",
        0x2000 => "Dolby AC-3",
        0x2001 => "DTS",
        0x674F or 0x6750 or 0x6751 or 0x676F or 0x6770 or 0x6771 => "Ogg Vorbis",
        0xF1AC => "FLAC",
        0xFFFE => "WAVE_FORMAT_EXTENSIBLE",
        _ => "an unrecognised codec",
    };

    /// <summary>A four-character code as text, with non-printable bytes escaped as \xNN.</summary>
    public static string FourCC(ReadOnlySpan<byte> id)
    {
        var sb = new StringBuilder(id.Length * 4);
        foreach (var b in id)
        {
            if (b is >= 0x20 and < 0x7F)
            {
                sb.Append((char)b);
            }
            else
            {
                sb.Append("\\x").Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return sb.ToString();
    }

    /// <summary>
    /// Why a stream that does not start with <c>RIFF</c> cannot be read, recognising common look-alikes by their magic.
    /// </summary>
    public static string DescribeWrongMagic(ReadOnlySpan<byte> magic)
    {
        if (magic.SequenceEqual("RIFX"u8))
        {
            return "it is a big-endian RIFX file, which is not supported";
        }

        if (magic.SequenceEqual("RF64"u8) || magic.SequenceEqual("BW64"u8))
        {
            return $"it is a 64-bit {FourCC(magic)} WAV (used for files over 4 GiB), which is not supported";
        }

        if (magic.SequenceEqual("fLaC"u8))
        {
            return "it looks like a FLAC file, not a WAV file";
        }

        if (magic.SequenceEqual("OggS"u8))
        {
            return "it looks like an Ogg (Vorbis or Opus) file, not a WAV file";
        }

        if (magic.SequenceEqual("FORM"u8))
        {
            return "it looks like an AIFF file, not a WAV file";
        }

        if (magic.SequenceEqual(".snd"u8))
        {
            return "it looks like a Sun/NeXT .au file, not a WAV file";
        }

        if (magic.StartsWith("ID3"u8) || (magic.Length >= 2 && magic[0] == 0xFF && (magic[1] & 0xE0) == 0xE0))
        {
            return "it looks like an MP3 file, not a WAV file";
        }

        return $"it starts with '{FourCC(magic)}' where a WAV file starts with 'RIFF'";
    }
}
