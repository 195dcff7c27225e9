using System.Buffers.Binary;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace SerSsl.Streaming.Inference.Cuda;

/// <summary>
/// Reads the shared libraries an ELF64 little-endian file (an x86-64 or AArch64 Linux <c>.so</c> or executable) names
/// in its dynamic section: its <c>DT_NEEDED</c> entries, what <c>readelf -d</c> prints as <c>(NEEDED)</c>, and its
/// <c>DT_RUNPATH</c>/<c>DT_RPATH</c>.
/// </summary>
/// <remarks>
/// Follows the program headers, as the dynamic loader does (section headers may be stripped): the <c>PT_DYNAMIC</c>
/// segment holds the entries, and the string table's address (<c>DT_STRTAB</c>) is mapped to a file offset through the
/// <c>PT_LOAD</c> segment that contains it. Reads only the headers and the few kilobytes those point at, so a 300 MB
/// library costs a handful of small reads.
/// </remarks>
internal static class ElfDependencies
{
    private const int HeaderSize = 64;
    private const int ProgramHeaderSize = 56;
    private const int DynamicEntrySize = 16;
    private const uint PtLoad = 1;
    private const uint PtDynamic = 2;
    private const long DtNull = 0;
    private const long DtNeeded = 1;
    private const long DtStrtab = 5;
    private const long DtStrsz = 10;
    private const long DtRpath = 15;
    private const long DtRunpath = 29;

    /// <summary>Upper bounds that keep a corrupt file from asking for gigabytes.</summary>
    private const int MaxProgramHeaders = 4096;
    private const long MaxDynamicBytes = 1 << 20;
    private const long MaxStringTableBytes = 16 << 20;

    /// <summary>Reads the <c>DT_NEEDED</c> entries of an ELF file, in the file's order.</summary>
    /// <param name="path">The ELF file, e.g. <c>libonnxruntime_providers_cuda.so</c>.</param>
    /// <returns>The library names, e.g. <c>libcudart.so.13</c>; empty for a statically linked file.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is null.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    /// <exception cref="InvalidDataException">The file is not a 64-bit little-endian ELF file or is truncated; the message names the file and the byte offset.</exception>
    public static IReadOnlyList<string> ReadNeeded(string path) => Read(path).Needed;

    /// <summary>Reads the <c>DT_NEEDED</c> entries and the run path of an ELF file.</summary>
    /// <param name="path">The ELF file.</param>
    /// <returns>The needed libraries in file order, and the <c>DT_RUNPATH</c> (else <c>DT_RPATH</c>) split at colons, <c>$ORIGIN</c> left as written.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is null.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    /// <exception cref="InvalidDataException">The file is not a 64-bit little-endian ELF file or is truncated.</exception>
    public static ElfDynamicInfo Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        var length = RandomAccess.GetLength(handle);

        Span<byte> header = stackalloc byte[HeaderSize];
        var headerBytes = (int)Math.Min(length, HeaderSize);
        ReadExactly(handle, header[..headerBytes], 0, path, length);
        if (headerBytes < 4 || !header[..4].SequenceEqual("\u007fELF"u8))
        {
            throw Invalid(path, 0, "not an ELF file (no \\x7fELF magic number at the start)");
        }

        if (headerBytes < HeaderSize)
        {
            throw Invalid(path, length, $"truncated: {length} bytes, shorter than the 64-byte ELF64 header");
        }

        if (header[4] != 2)
        {
            throw Invalid(path, 4, $"ELF class {header[4]}, not ELFCLASS64 (2): only 64-bit files are read");
        }

        if (header[5] != 1)
        {
            throw Invalid(path, 5, $"ELF data encoding {header[5]}, not little-endian (1)");
        }

        var programHeaderOffset = ReadOffset(header, 0x20, path);
        var programHeaderEntrySize = BinaryPrimitives.ReadUInt16LittleEndian(header[0x36..]);
        var programHeaderCount = BinaryPrimitives.ReadUInt16LittleEndian(header[0x38..]);
        if (programHeaderCount == 0)
        {
            throw Invalid(path, 0x38, "no program headers, so no dynamic section to read");
        }

        if (programHeaderEntrySize < ProgramHeaderSize || programHeaderCount > MaxProgramHeaders)
        {
            throw Invalid(path, 0x36, $"program header table of {programHeaderCount} entries of {programHeaderEntrySize} bytes is not a valid ELF64 one");
        }

        var table = new byte[programHeaderEntrySize * programHeaderCount];
        ReadExactly(handle, table, programHeaderOffset, path, length);

        var loads = new List<(ulong VirtualAddress, ulong FileSize, long Offset)>();
        (long Offset, long Size)? dynamic = null;
        for (var i = 0; i < programHeaderCount; i++)
        {
            var entry = table.AsSpan(i * programHeaderEntrySize, ProgramHeaderSize);
            var type = BinaryPrimitives.ReadUInt32LittleEndian(entry);
            var fileOffset = BinaryPrimitives.ReadUInt64LittleEndian(entry[8..]);
            var virtualAddress = BinaryPrimitives.ReadUInt64LittleEndian(entry[16..]);
            var fileSize = BinaryPrimitives.ReadUInt64LittleEndian(entry[32..]);
            var at = programHeaderOffset + (i * programHeaderEntrySize);
            if (type is not (PtLoad or PtDynamic))
            {
                continue;
            }

            if (fileOffset > (ulong)length || fileSize > (ulong)length - fileOffset)
            {
                throw Invalid(path, at, $"truncated: program header {i} describes bytes {fileOffset}..{fileOffset + fileSize} of a {length}-byte file");
            }

            if (type == PtLoad)
            {
                loads.Add((virtualAddress, fileSize, (long)fileOffset));
            }
            else
            {
                dynamic = ((long)fileOffset, (long)fileSize);
            }
        }

        if (dynamic is not { } dyn)
        {
            // A statically linked executable: nothing to load.
            return new ElfDynamicInfo([], []);
        }

        if (dyn.Size > MaxDynamicBytes)
        {
            throw Invalid(path, dyn.Offset, $"dynamic segment of {dyn.Size} bytes is implausibly large");
        }

        var dynamicBytes = new byte[dyn.Size];
        ReadExactly(handle, dynamicBytes, dyn.Offset, path, length);

        var needed = new List<ulong>();
        ulong? stringTableAddress = null;
        ulong stringTableSize = 0;
        ulong? runPath = null;
        ulong? rPath = null;
        for (var at = 0; at + DynamicEntrySize <= dynamicBytes.Length; at += DynamicEntrySize)
        {
            var tag = BinaryPrimitives.ReadInt64LittleEndian(dynamicBytes.AsSpan(at));
            var value = BinaryPrimitives.ReadUInt64LittleEndian(dynamicBytes.AsSpan(at + 8));
            switch (tag)
            {
                case DtNull:
                    at = dynamicBytes.Length;
                    break;
                case DtNeeded:
                    needed.Add(value);
                    break;
                case DtStrtab:
                    stringTableAddress = value;
                    break;
                case DtStrsz:
                    stringTableSize = value;
                    break;
                case DtRunpath:
                    runPath = value;
                    break;
                case DtRpath:
                    rPath = value;
                    break;
                default:
                    break;
            }
        }

        if (needed.Count == 0 && runPath is null && rPath is null)
        {
            return new ElfDynamicInfo([], []);
        }

        if (stringTableAddress is not { } address || stringTableSize == 0)
        {
            throw Invalid(path, dyn.Offset, "the dynamic section names libraries but has no string table (DT_STRTAB, DT_STRSZ)");
        }

        if (stringTableSize > MaxStringTableBytes)
        {
            throw Invalid(path, dyn.Offset, $"string table of {stringTableSize} bytes is implausibly large");
        }

        var stringTableOffset = MapAddress(loads, address, stringTableSize)
            ?? throw Invalid(path, dyn.Offset, $"the string table's address 0x{address:x} lies in no loadable segment");
        var strings = new byte[stringTableSize];
        ReadExactly(handle, strings, stringTableOffset, path, length);

        var names = needed.Select(offset => ReadString(strings, offset, path, stringTableOffset)).ToArray();
        var pathText = runPath ?? rPath;
        var searchPath = pathText is { } p
            ? ReadString(strings, p, path, stringTableOffset).Split(':', StringSplitOptions.RemoveEmptyEntries)
            : [];
        return new ElfDynamicInfo(names, searchPath);
    }

    private static long? MapAddress(List<(ulong VirtualAddress, ulong FileSize, long Offset)> loads, ulong address, ulong size)
    {
        foreach (var (virtualAddress, fileSize, offset) in loads)
        {
            if (address >= virtualAddress && address - virtualAddress < fileSize && size <= fileSize - (address - virtualAddress))
            {
                return offset + (long)(address - virtualAddress);
            }
        }

        return null;
    }

    private static string ReadString(byte[] strings, ulong offset, string path, long tableOffset)
    {
        if (offset >= (ulong)strings.Length)
        {
            throw Invalid(path, tableOffset, $"a dynamic entry points at string {offset}, past the {strings.Length}-byte string table");
        }

        var rest = strings.AsSpan((int)offset);
        var end = rest.IndexOf((byte)0);
        if (end < 0)
        {
            throw Invalid(path, tableOffset + (long)offset, "a library name runs past the end of the string table (no terminating NUL)");
        }

        return Encoding.UTF8.GetString(rest[..end]);
    }

    private static long ReadOffset(ReadOnlySpan<byte> header, int at, string path)
    {
        var value = BinaryPrimitives.ReadUInt64LittleEndian(header[at..]);
        return value > long.MaxValue ? throw Invalid(path, at, $"offset {value} does not fit a file") : (long)value;
    }

    private static void ReadExactly(SafeFileHandle handle, Span<byte> buffer, long offset, string path, long length)
    {
        if (offset < 0 || offset > length || buffer.Length > length - offset)
        {
            throw Invalid(path, offset, $"truncated: needs bytes {offset}..{offset + buffer.Length} of a {length}-byte file");
        }

        var done = 0;
        while (done < buffer.Length)
        {
            var read = RandomAccess.Read(handle, buffer[done..], offset + done);
            if (read == 0)
            {
                throw Invalid(path, offset + done, $"truncated: the file ended at byte {offset + done} while {buffer.Length - done} more were expected");
            }

            done += read;
        }
    }

    private static InvalidDataException Invalid(string path, long offset, string what) =>
        new($"{path}: byte {offset}: {what}. Expected a 64-bit little-endian ELF shared library; reinstall the package it came from.");
}

/// <summary>What the dynamic section of an ELF file asks of the loader.</summary>
/// <param name="Needed">The <c>DT_NEEDED</c> library names, in file order.</param>
/// <param name="RunPath">The directories of <c>DT_RUNPATH</c> (else <c>DT_RPATH</c>), as written (may contain <c>$ORIGIN</c>).</param>
internal sealed record ElfDynamicInfo(IReadOnlyList<string> Needed, IReadOnlyList<string> RunPath);
