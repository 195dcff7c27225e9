using System.Buffers.Binary;

namespace SerSsl.TestSupport;

/// <summary>
/// The raw Opus packets of an Ogg Opus file (as <c>opusenc</c> writes it), taken out of their pages the way a
/// network client that relays an encoder's output would send them: what the tests stream over gRPC.
/// </summary>
/// <param name="Channels">Channels from the OpusHead header.</param>
/// <param name="PreSkip">Samples at 48 kHz to drop from the start (OpusHead).</param>
/// <param name="Packets">The audio packets in order, the two header packets left out.</param>
/// <param name="Path">The file.</param>
public sealed record OggOpusPackets(int Channels, int PreSkip, IReadOnlyList<byte[]> Packets, string Path)
{
    /// <summary>Reads the packets of a single-stream Ogg Opus file.</summary>
    public static OggOpusPackets Read(string path)
    {
        var file = File.ReadAllBytes(path);
        var packets = new List<byte[]>();
        var current = new List<byte>();
        for (var at = 0; at < file.Length;)
        {
            if (file.Length - at < 27 || !file.AsSpan(at, 4).SequenceEqual("OggS"u8))
            {
                throw new InvalidDataException($"{path}: no Ogg page at byte {at}");
            }

            int segments = file[at + 26];
            var body = at + 27 + segments;
            for (var i = 0; i < segments; i++)
            {
                int lace = file[at + 27 + i];
                current.AddRange(file.AsSpan(body, lace).ToArray());
                body += lace;
                if (lace < 255)
                {
                    packets.Add([.. current]);
                    current.Clear();
                }
            }

            at = body;
        }

        if (packets.Count < 2 || !packets[0].AsSpan(0, 8).SequenceEqual("OpusHead"u8))
        {
            throw new InvalidDataException($"{path}: not an Ogg Opus file");
        }

        var head = packets[0];
        return new OggOpusPackets(head[9], BinaryPrimitives.ReadUInt16LittleEndian(head.AsSpan(10)), packets.Skip(2).ToList(), path);
    }

    /// <summary>Encodes a WAV file with <c>opusenc</c> (skipping the calling test without opus-tools) and reads the packets.</summary>
    /// <param name="wav">The input.</param>
    /// <param name="opus">Where the .opus file goes.</param>
    /// <param name="options">More opusenc options (e.g. <c>--framesize 40</c>).</param>
    public static OggOpusPackets Encode(string wav, string opus, params string[] options)
    {
        var opusenc = ExternalTools.Require("opusenc", "opus-tools");
        ExternalTools.Run(opusenc, [.. options, "--quiet", wav, opus]);
        return Read(opus);
    }
}
