// Reads the GNU symbol-versioning sections of ELF64 little-endian shared objects and marks one
// version requirement weak. Compiled twice: by RoslynCodeTaskFactory as the inline task behind
// build/TorchSharpNativeFix.targets (netstandard2.0 API surface only), and into
// SerSsl.Training.Tests with SERSSL_ELF_ONLY defined, which leaves out the MSBuild task class.
// See docs/adr/0003-torchsharp-load-fix.md.
#nullable enable
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
#if !SERSSL_ELF_ONLY
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
#endif

namespace SerSsl.Build;

/// <summary>One <c>Elf64_Vernaux</c> entry: a symbol version that the object needs from a library.</summary>
internal sealed class ElfVersionNeed
{
    public ElfVersionNeed(string file, string version, ushort flags, long flagsOffset)
    {
        File = file;
        Version = version;
        Flags = flags;
        FlagsOffset = flagsOffset;
    }

    /// <summary>The library named by the owning <c>Elf64_Verneed</c> (<c>vn_file</c>), e.g. <c>libstdc++.so.6</c>.</summary>
    public string File { get; }

    /// <summary>The version name (<c>vna_name</c>), e.g. <c>GLIBCXX_3.4.32</c>.</summary>
    public string Version { get; }

    /// <summary>The <c>vna_flags</c> field.</summary>
    public ushort Flags { get; }

    /// <summary>File offset of the two-byte <c>vna_flags</c> field.</summary>
    public long FlagsOffset { get; }

    /// <summary>Whether <c>VER_FLG_WEAK</c> is set: the dynamic linker then tolerates a library that lacks the version.</summary>
    public bool IsWeak => (Flags & ElfImage.VerFlagWeak) != 0;
}

/// <summary>What <see cref="ElfVersionPatcher.MakeVersionNeedWeak"/> did.</summary>
internal enum WeakPatchOutcome
{
    /// <summary>The flag was set; the file was replaced by a patched private copy.</summary>
    Patched,

    /// <summary>The flag was already set; the file was not touched.</summary>
    AlreadyWeak,

    /// <summary>The object does not need the version from the library at all; the file was not touched.</summary>
    NotNeeded,
}

/// <summary>
/// An in-memory ELF64 little-endian image with just enough parsing for <c>.gnu.version_d</c>
/// (<c>SHT_GNU_verdef</c>) and <c>.gnu.version_r</c> (<c>SHT_GNU_verneed</c>). Sections are found by type,
/// their strings through the section's <c>sh_link</c> string table. Malformed input throws
/// <see cref="InvalidDataException"/> naming the file, byte offset and field.
/// </summary>
internal sealed class ElfImage
{
    /// <summary><c>VER_FLG_WEAK</c>.</summary>
    public const ushort VerFlagWeak = 0x2;

    /// <summary><c>EM_X86_64</c> (x86-64).</summary>
    public const ushort MachineAmd64 = 62;

    /// <summary><c>EM_AARCH64</c> (arm64).</summary>
    public const ushort MachineArm64 = 183;

    private const uint ShtStrtab = 3;
    private const uint ShtGnuVerdef = 0x6ffffffd;
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const int SectionHeaderSize = 64;
    private const int VerneedSize = 16;
    private const int VernauxSize = 16;
    private const int VerdefSize = 20;
    private const int VerdauxSize = 8;

    private readonly byte[] _data;
    private readonly Section[] _sections;

    private ElfImage(string path, byte[] data)
    {
        Path = path;
        _data = data;
        if (data.Length < 64 || data[0] != 0x7f || data[1] != (byte)'E' || data[2] != (byte)'L' || data[3] != (byte)'F')
        {
            throw Invalid(0, "e_ident", "not an ELF file");
        }

        if (data[4] != 2)
        {
            throw Invalid(4, "e_ident[EI_CLASS]", $"class {data[4]}, expected 2 (ELF64)");
        }

        if (data[5] != 1)
        {
            throw Invalid(5, "e_ident[EI_DATA]", $"encoding {data[5]}, expected 1 (little-endian)");
        }

        Machine = U16(18, "e_machine");
        var shoff = U64(0x28, "e_shoff");
        var shentsize = U16(0x3A, "e_shentsize");
        var shnum = U16(0x3C, "e_shnum");
        if (shnum == 0)
        {
            throw Invalid(0x3C, "e_shnum", "no section headers");
        }

        if (shentsize != SectionHeaderSize)
        {
            throw Invalid(0x3A, "e_shentsize", $"{shentsize}, expected {SectionHeaderSize}");
        }

        Check(shoff, (ulong)shnum * SectionHeaderSize, 0x28, "e_shoff");
        _sections = new Section[shnum];
        for (var i = 0; i < shnum; i++)
        {
            var at = (long)shoff + ((long)i * SectionHeaderSize);
            var section = new Section(
                U32(at + 4, "sh_type"),
                (long)U64(at + 24, "sh_offset"),
                (long)U64(at + 32, "sh_size"),
                U32(at + 40, "sh_link"),
                U32(at + 44, "sh_info"),
                at);
            _sections[i] = section;
        }
    }

    /// <summary>The file the image was read from (for messages).</summary>
    public string Path { get; }

    /// <summary><c>e_machine</c>.</summary>
    public ushort Machine { get; }

    /// <summary>Reads and parses <paramref name="path"/> (symlinks are followed).</summary>
    /// <exception cref="InvalidDataException">The file is not an ELF64 little-endian object with section headers.</exception>
    public static ElfImage Load(string path) => new(path, File.ReadAllBytes(path));

    /// <summary>Parses an image already in memory; <paramref name="path"/> is only used in messages.</summary>
    /// <exception cref="InvalidDataException">The data is not an ELF64 little-endian object with section headers.</exception>
    public static ElfImage Parse(string path, byte[] data) => new(path, data);

    /// <summary>
    /// The version names this object defines (<c>.gnu.version_d</c>), in section order; the first
    /// entry is normally the base (the soname). Empty when the object has no version definitions.
    /// </summary>
    public IReadOnlyList<string> ReadVersionDefinitions()
    {
        var names = new List<string>();
        var section = _sections.FirstOrDefault(s => s.Type == ShtGnuVerdef);
        if (section is null)
        {
            return names;
        }

        var strings = StringTable(section);
        Check((ulong)section.Offset, (ulong)section.Size, section.HeaderOffset + 24, "sh_offset of .gnu.version_d");
        long at = section.Offset;
        for (var i = 0; i < section.Info; i++)
        {
            Check((ulong)at, VerdefSize, at, "Elf64_Verdef");
            var version = U16(at, "vd_version");
            if (version != 1)
            {
                throw Invalid(at, "vd_version", $"{version}, expected 1");
            }

            var count = U16(at + 6, "vd_cnt");
            var aux = U32(at + 12, "vd_aux");
            var next = U32(at + 16, "vd_next");
            if (count > 0)
            {
                var auxAt = at + aux;
                Check((ulong)auxAt, VerdauxSize, at + 12, "vd_aux");
                names.Add(ReadString(strings, U32(auxAt, "vda_name"), auxAt));
            }

            if (next == 0)
            {
                break;
            }

            at += next;
        }

        return names;
    }

    /// <summary>
    /// Every version this object needs (<c>.gnu.version_r</c>), with the library it needs it from.
    /// Null when the object has no version-needed section at all.
    /// </summary>
    public IReadOnlyList<ElfVersionNeed>? ReadVersionNeeds()
    {
        var section = _sections.FirstOrDefault(s => s.Type == ShtGnuVerneed);
        if (section is null)
        {
            return null;
        }

        var strings = StringTable(section);
        Check((ulong)section.Offset, (ulong)section.Size, section.HeaderOffset + 24, "sh_offset of .gnu.version_r");
        var needs = new List<ElfVersionNeed>();
        long at = section.Offset;
        for (var i = 0; i < section.Info; i++)
        {
            Check((ulong)at, VerneedSize, at, "Elf64_Verneed");
            var version = U16(at, "vn_version");
            if (version != 1)
            {
                throw Invalid(at, "vn_version", $"{version}, expected 1");
            }

            var count = U16(at + 2, "vn_cnt");
            var file = ReadString(strings, U32(at + 4, "vn_file"), at + 4);
            var auxAt = at + U32(at + 8, "vn_aux");
            for (var j = 0; j < count; j++)
            {
                Check((ulong)auxAt, VernauxSize, auxAt, "Elf64_Vernaux");
                var flags = U16(auxAt + 4, "vna_flags");
                var name = ReadString(strings, U32(auxAt + 8, "vna_name"), auxAt + 8);
                needs.Add(new ElfVersionNeed(file, name, flags, auxAt + 4));
                var auxNext = U32(auxAt + 12, "vna_next");
                if (auxNext == 0)
                {
                    break;
                }

                auxAt += auxNext;
            }

            var next = U32(at + 12, "vn_next");
            if (next == 0)
            {
                break;
            }

            at += next;
        }

        return needs;
    }

    private Section StringTable(Section owner)
    {
        if (owner.Link == 0 || owner.Link >= _sections.Length || _sections[owner.Link].Type != ShtStrtab)
        {
            throw Invalid(owner.HeaderOffset + 40, "sh_link", $"{owner.Link} does not name a string table");
        }

        var strings = _sections[owner.Link];
        Check((ulong)strings.Offset, (ulong)strings.Size, strings.HeaderOffset + 24, "sh_offset of the string table");
        return strings;
    }

    private string ReadString(Section table, uint index, long fieldOffset)
    {
        if (index >= table.Size)
        {
            throw Invalid(fieldOffset, "string index", $"{index} is past the string table's {table.Size} bytes");
        }

        var start = table.Offset + index;
        var end = start;
        var limit = table.Offset + table.Size;
        while (end < limit && _data[end] != 0)
        {
            end++;
        }

        return Encoding.ASCII.GetString(_data, (int)start, (int)(end - start));
    }

    private ushort U16(long at, string field)
    {
        Check((ulong)at, 2, at, field);
        return (ushort)(_data[at] | (_data[at + 1] << 8));
    }

    private uint U32(long at, string field)
    {
        Check((ulong)at, 4, at, field);
        return _data[at] | ((uint)_data[at + 1] << 8) | ((uint)_data[at + 2] << 16) | ((uint)_data[at + 3] << 24);
    }

    private ulong U64(long at, string field) => U32(at, field) | ((ulong)U32(at + 4, field) << 32);

    private void Check(ulong offset, ulong length, long fieldOffset, string field)
    {
        if (offset > (ulong)_data.Length || length > (ulong)_data.Length - offset)
        {
            throw Invalid(fieldOffset, field, $"range [{offset}, +{length}) lies outside the {_data.Length}-byte file");
        }
    }

    private InvalidDataException Invalid(long offset, string field, string what) =>
        new(string.Format(CultureInfo.InvariantCulture, "{0}: unexpected ELF layout at byte offset {1} ({2}): {3}.", Path, offset, field, what));

    private sealed class Section
    {
        public Section(uint type, long offset, long size, uint link, uint info, long headerOffset)
        {
            Type = type;
            Offset = offset;
            Size = size;
            Link = link;
            Info = info;
            HeaderOffset = headerOffset;
        }

        public uint Type { get; }

        public long Offset { get; }

        public long Size { get; }

        public uint Link { get; }

        public uint Info { get; }

        public long HeaderOffset { get; }
    }
}

/// <summary>Finds the system's copy of a shared library and edits version requirements of build outputs.</summary>
internal static class ElfVersionPatcher
{
    /// <summary>
    /// Finds the system's <paramref name="soname"/> for <paramref name="machine"/>: first the
    /// <c>ldconfig -p</c> cache, then the standard multiarch and lib64 directories. Null when none matches.
    /// </summary>
    public static string? FindSystemLibrary(string soname, ushort machine)
    {
        foreach (var candidate in LdconfigCandidates(soname).Concat(StandardDirectories(machine).Select(d => Path.Combine(d, soname))))
        {
            try
            {
                if (File.Exists(candidate) && ElfImage.Load(candidate).Machine == machine)
                {
                    return Path.GetFullPath(candidate);
                }
            }
            catch (InvalidDataException)
            {
                // A 32-bit or foreign library in the cache: not the one the process would load.
            }
        }

        return null;
    }

    /// <summary>The highest <c>PREFIX3.4.N</c>-style version in <paramref name="definitions"/>, e.g. <c>GLIBCXX_3.4.30</c>.</summary>
    public static string? HighestVersion(IEnumerable<string> definitions, string prefix)
    {
        string? best = null;
        int[]? bestParts = null;
        foreach (var name in definitions.Where(d => d.StartsWith(prefix, StringComparison.Ordinal)))
        {
            var parts = ParseVersion(name.Substring(prefix.Length));
            if (parts is not null && (bestParts is null || Compare(parts, bestParts) > 0))
            {
                best = name;
                bestParts = parts;
            }
        }

        return best;
    }

    /// <summary>
    /// Sets <c>VER_FLG_WEAK</c> on the requirement of <paramref name="version"/> from <paramref name="library"/> in
    /// <paramref name="path"/>. The patched bytes go to a new file that is renamed over <paramref name="path"/>,
    /// so a hard link or symbolic link into a package cache is replaced, never written through. Idempotent.
    /// </summary>
    /// <exception cref="InvalidDataException">
    /// The file is not ELF64 little-endian, has no version-needed section, or needs <paramref name="version"/>
    /// from a library other than <paramref name="library"/>.
    /// </exception>
    public static WeakPatchOutcome MakeVersionNeedWeak(string path, string library, string version)
    {
        var image = ElfImage.Load(path);
        var needs = image.ReadVersionNeeds()
            ?? throw new InvalidDataException($"{path}: unexpected ELF layout: no .gnu.version_r (SHT_GNU_verneed) section.");
        var need = needs.FirstOrDefault(n => n.Version == version);
        if (need is null)
        {
            return WeakPatchOutcome.NotNeeded;
        }

        if (need.File != library)
        {
            throw new InvalidDataException($"{path}: unexpected ELF layout at byte offset {need.FlagsOffset} (vna_flags): {version} is needed from {need.File}, expected {library}.");
        }

        if (need.IsWeak)
        {
            return WeakPatchOutcome.AlreadyWeak;
        }

        var directory = Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".";
        var temporary = Path.Combine(directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            // File.Copy keeps the permission bits; the copy is a new inode whatever path was.
            File.Copy(path, temporary, overwrite: false);
            using (var stream = new FileStream(temporary, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
            {
                var flags = (ushort)(need.Flags | ElfImage.VerFlagWeak);
                stream.Position = need.FlagsOffset;
                stream.WriteByte((byte)(flags & 0xff));
                stream.WriteByte((byte)(flags >> 8));
            }

            var check = ElfImage.Load(temporary).ReadVersionNeeds()?.FirstOrDefault(n => n.Version == version);
            if (check is null || !check.IsWeak || check.File != library)
            {
                throw new InvalidDataException($"{path}: the patched copy does not read back with {version} weak.");
            }

            // On Unix File.Replace is rename(2): atomic, and it replaces a symbolic link itself, not its target.
            File.Replace(temporary, path, destinationBackupFileName: null);
        }
        finally
        {
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }
        }

        return WeakPatchOutcome.Patched;
    }

    private static IEnumerable<string> LdconfigCandidates(string soname)
    {
        foreach (var ldconfig in new[] { "/sbin/ldconfig", "/usr/sbin/ldconfig", "ldconfig" })
        {
            if (ldconfig.StartsWith("/", StringComparison.Ordinal) && !File.Exists(ldconfig))
            {
                continue;
            }

            string output;
            try
            {
                var start = new ProcessStartInfo(ldconfig, "-p")
                {
                    RedirectStandardOutput = true,
                    RedirectStandardError = true,
                    UseShellExecute = false,
                };
                using var process = Process.Start(start);
                if (process is null)
                {
                    continue;
                }

                output = process.StandardOutput.ReadToEnd();
                process.WaitForExit();
            }
            catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException or IOException)
            {
                continue;
            }

            // Lines look like: "\tlibstdc++.so.6 (libc6,x86-64) => /lib/x86_64-linux-gnu/libstdc++.so.6".
            var found = new List<string>();
            foreach (var line in output.Split('\n'))
            {
                var trimmed = line.Trim();
                var arrow = trimmed.IndexOf(" => ", StringComparison.Ordinal);
                if (arrow > 0 && trimmed.StartsWith(soname + " ", StringComparison.Ordinal))
                {
                    found.Add(trimmed.Substring(arrow + 4).Trim());
                }
            }

            return found;
        }

        return Array.Empty<string>();
    }

    private static IEnumerable<string> StandardDirectories(ushort machine)
    {
        var triplet = machine switch
        {
            ElfImage.MachineAmd64 => "x86_64-linux-gnu",
            ElfImage.MachineArm64 => "aarch64-linux-gnu",
            _ => null,
        };
        if (triplet is not null)
        {
            yield return "/lib/" + triplet;
            yield return "/usr/lib/" + triplet;
        }

        yield return "/usr/lib64";
        yield return "/lib64";
        yield return "/usr/lib";
        yield return "/lib";
    }

    private static int[]? ParseVersion(string text)
    {
        var pieces = text.Split('.');
        var parts = new int[pieces.Length];
        for (var i = 0; i < pieces.Length; i++)
        {
            if (!int.TryParse(pieces[i], NumberStyles.None, CultureInfo.InvariantCulture, out parts[i]))
            {
                return null;
            }
        }

        return parts;
    }

    private static int Compare(int[] a, int[] b)
    {
        for (var i = 0; i < Math.Max(a.Length, b.Length); i++)
        {
            var x = i < a.Length ? a[i] : 0;
            var y = i < b.Length ? b[i] : 0;
            if (x != y)
            {
                return x.CompareTo(y);
            }
        }

        return 0;
    }
}

#if !SERSSL_ELF_ONLY
/// <summary>
/// MSBuild task: marks the <c>GLIBCXX_3.4.32</c> requirement of TorchSharp's <c>libLibTorchSharp.so</c>
/// copies in a build or publish output weak when the system libstdc++ does not define that version.
/// </summary>
public sealed class PatchTorchSharpNativeLibrary : Microsoft.Build.Utilities.Task
{
    /// <summary>The output copies of <c>libLibTorchSharp.so</c>.</summary>
    [Required]
    public ITaskItem[] Files { get; set; } = Array.Empty<ITaskItem>();

    /// <summary>The library the version is needed from.</summary>
    public string NeededLibrary { get; set; } = "libstdc++.so.6";

    /// <summary>The version requirement to mark weak.</summary>
    public string RequiredVersion { get; set; } = "GLIBCXX_3.4.32";

    /// <summary>Patch without looking at the system libstdc++ (building for an older target system).</summary>
    public bool Force { get; set; }

    /// <summary>The files that were patched by this invocation.</summary>
    [Output]
    public ITaskItem[] PatchedFiles { get; private set; } = Array.Empty<ITaskItem>();

    /// <inheritdoc />
    public override bool Execute()
    {
        var patched = new List<ITaskItem>();
        var systemByMachine = new Dictionary<ushort, SystemLibrary?>();
        foreach (var item in Files)
        {
            var path = item.GetMetadata("FullPath");
            try
            {
                var image = ElfImage.Load(path);
                var needs = image.ReadVersionNeeds();
                if (needs is null)
                {
                    Log.LogError(null, "SERSSL1001", null, path, 0, 0, 0, 0, "{0}: unexpected ELF layout: no .gnu.version_r (SHT_GNU_verneed) section. The TorchSharp load fix cannot judge this library; set SerSslSkipTorchSharpFix=true to build without it.", path);
                    continue;
                }

                string reason;
                if (Force)
                {
                    reason = "SerSslForceTorchSharpFix=true";
                }
                else
                {
                    if (!systemByMachine.TryGetValue(image.Machine, out var system))
                    {
                        system = SystemLibrary.Find(NeededLibrary, image.Machine);
                        systemByMachine[image.Machine] = system;
                    }

                    if (system is null)
                    {
                        Log.LogMessage(MessageImportance.High, "TorchSharp load fix: no system {0} for ELF machine {1} found (ldconfig -p, standard lib directories); {2} left untouched.", NeededLibrary, image.Machine, path);
                        continue;
                    }

                    if (system.Definitions.Contains(RequiredVersion))
                    {
                        Log.LogMessage(MessageImportance.Low, "TorchSharp load fix: {0} defines {1}; {2} left untouched.", system.Path, RequiredVersion, path);
                        continue;
                    }

                    var missing = needs
                        .Where(n => n.File == NeededLibrary && n.Version != RequiredVersion && !n.IsWeak && !system.Definitions.Contains(n.Version))
                        .Select(n => n.Version)
                        .ToList();
                    if (missing.Count > 0)
                    {
                        Log.LogWarning(null, "SERSSL1003", null, path, 0, 0, 0, 0, "{0} also needs {1} from {2}, which {3} does not define; it will still fail to load on this system. Only {4} is known to be safe to weaken.", path, string.Join(", ", missing), NeededLibrary, system.Path, RequiredVersion);
                    }

                    reason = $"the system libstdc++ ({system.Path}) provides up to {system.Highest ?? "no GLIBCXX version"}";
                }

                var outcome = ElfVersionPatcher.MakeVersionNeedWeak(path, NeededLibrary, RequiredVersion);
                switch (outcome)
                {
                    case WeakPatchOutcome.Patched:
                        Log.LogMessage(MessageImportance.High, "TorchSharp load fix: patched {0} requirement of {1} weak because {2}.", RequiredVersion, path, reason);
                        patched.Add(item);
                        break;
                    case WeakPatchOutcome.AlreadyWeak:
                        Log.LogMessage(MessageImportance.Normal, "TorchSharp load fix: {0} requirement of {1} is already weak.", RequiredVersion, path);
                        break;
                    default:
                        Log.LogWarning(null, "SERSSL1002", null, path, 0, 0, 0, 0, "{0} does not need {1} from {2}: this TorchSharp no longer needs the load fix; remove build/TorchSharpNativeFix.targets (see docs/adr/0003-torchsharp-load-fix.md). Left untouched.", path, RequiredVersion, NeededLibrary);
                        break;
                }
            }
            catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
            {
                Log.LogError(null, "SERSSL1001", null, path, 0, 0, 0, 0, "TorchSharp load fix failed: {0} Set SerSslSkipTorchSharpFix=true to build without the fix (TorchSharp may then fail to load on this system).", e.Message);
            }
        }

        PatchedFiles = patched.ToArray();
        return !Log.HasLoggedErrors;
    }

    private sealed class SystemLibrary
    {
        private SystemLibrary(string path, HashSet<string> definitions, string? highest)
        {
            Path = path;
            Definitions = definitions;
            Highest = highest;
        }

        public string Path { get; }

        public HashSet<string> Definitions { get; }

        public string? Highest { get; }

        public static SystemLibrary? Find(string soname, ushort machine)
        {
            var path = ElfVersionPatcher.FindSystemLibrary(soname, machine);
            if (path is null)
            {
                return null;
            }

            var definitions = ElfImage.Load(path).ReadVersionDefinitions();
            return new SystemLibrary(path, new HashSet<string>(definitions, StringComparer.Ordinal), ElfVersionPatcher.HighestVersion(definitions, "GLIBCXX_"));
        }
    }
}
#endif
