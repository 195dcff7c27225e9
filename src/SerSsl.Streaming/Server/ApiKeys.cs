using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace SerSsl.Streaming.Server;

/// <summary>An accepted API key: the secret, who holds it, and whether it may see every client's sessions.</summary>
/// <param name="Key">The secret a client sends (<c>x-api-key: KEY</c> or <c>authorization: Bearer KEY</c>).</param>
/// <param name="Owner">Who holds it: keys with the same owner share their sessions; each key without a named owner is an owner of its own.</param>
/// <param name="IsAdmin">True when the key sees, follows and lists every session, not only its owner's.</param>
internal sealed record ApiKey(string Key, string Owner, bool IsAdmin = false)
{
    /// <summary>Keys shorter than this draw a warning at start: they can be guessed.</summary>
    public const int RecommendedLength = 16;

    /// <summary>What a key may hold: printable, no spaces (headers are trimmed, and the key file splits fields at spaces).</summary>
    /// <exception cref="ArgumentException">The key is empty, whitespace, or holds spaces or control characters.</exception>
    public static void ValidateSecret(string? key, string where)
    {
        if (string.IsNullOrWhiteSpace(key))
        {
            throw new ArgumentException($"{where}: the API key is empty. An empty key would let anyone in; give a real key (for example from 'openssl rand -hex 24'), or leave the key options out to serve without keys.");
        }

        if (key.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            throw new ArgumentException($"{where}: the API key holds spaces or control characters, which headers cannot carry; use letters, digits and punctuation.");
        }
    }

    /// <inheritdoc />
    public override string ToString() => IsAdmin ? $"{Owner} (admin)" : Owner;
}

/// <summary>The server's accepted API keys, compared in constant time.</summary>
internal sealed class ApiKeys
{
    private readonly ApiKey[] _keys;
    private readonly byte[][] _secrets;

    /// <summary>The keys; none means every call is open.</summary>
    /// <exception cref="ArgumentException">A key is empty or malformed, or appears twice.</exception>
    public ApiKeys(IReadOnlyList<ApiKey> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        Validate(keys);
        _keys = [.. keys];
        _secrets = [.. keys.Select(k => Encoding.UTF8.GetBytes(k.Key))];
    }

    /// <summary>True when calls need a key.</summary>
    public bool Required => _keys.Length > 0;

    /// <summary>How many keys there are.</summary>
    public int Count => _keys.Length;

    /// <summary>The key in an <c>authorization: Bearer KEY</c> value, or null.</summary>
    public static string? FromAuthorization(string? authorization) =>
        authorization is not null && authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? authorization[7..].Trim() : null;

    /// <summary>Checks a set of keys: each one usable, none twice.</summary>
    /// <exception cref="ArgumentException">A key is empty or malformed, or appears twice.</exception>
    public static void Validate(IReadOnlyList<ApiKey> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < keys.Count; i++)
        {
            var where = string.Create(CultureInfo.InvariantCulture, $"API key {i + 1} (owner '{keys[i].Owner}')");
            ApiKey.ValidateSecret(keys[i].Key, where);
            if (string.IsNullOrWhiteSpace(keys[i].Owner))
            {
                throw new ArgumentException($"{where}: the owner is empty.");
            }

            if (!seen.Add(keys[i].Key))
            {
                throw new ArgumentException($"{where}: the same key is given twice; each key must be different, so that it names one owner.");
            }
        }
    }

    /// <summary>The accepted key that equals <paramref name="presented"/>, or null. Takes the same time whichever key matches.</summary>
    public ApiKey? Find(string? presented)
    {
        if (presented is null)
        {
            return null;
        }

        var bytes = Encoding.UTF8.GetBytes(presented);
        ApiKey? found = null;
        for (var i = 0; i < _secrets.Length; i++)
        {
            if (CryptographicOperations.FixedTimeEquals(_secrets[i], bytes))
            {
                found = _keys[i];
            }
        }

        return found;
    }

    /// <summary>True when the key is one of the accepted ones.</summary>
    public bool Accepts(string? key) => Find(key) is not null;

    /// <summary>
    /// Reads a key file: one key a line, optionally followed by <c>owner=NAME</c> and <c>admin</c> (separated by spaces);
    /// blank lines and lines starting with <c>#</c> are skipped. A key without an owner is an owner of its own.
    /// </summary>
    /// <param name="path">The file.</param>
    /// <param name="firstIndex">The position of the file's first key among all the server's keys (1-based), for default owner names.</param>
    /// <exception cref="ArgumentException">The file cannot be read, holds no key, or a line is malformed.</exception>
    public static IReadOnlyList<ApiKey> ReadFile(string path, int firstIndex = 1)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"Cannot read the API key file '{path}': {ex.Message}", ex);
        }

        var keys = new List<ApiKey>();
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var where = string.Create(CultureInfo.InvariantCulture, $"API key file '{path}', line {i + 1}");
            var fields = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            string? owner = null;
            var admin = false;
            foreach (var field in fields.Skip(1))
            {
                if (field.StartsWith("owner=", StringComparison.Ordinal) && field.Length > "owner=".Length && owner is null)
                {
                    owner = field["owner=".Length..];
                }
                else if (field == "admin" && !admin)
                {
                    admin = true;
                }
                else
                {
                    throw new ArgumentException($"{where}: '{field}' is not 'owner=NAME' or 'admin'. A line is 'KEY [owner=NAME] [admin]'; a key cannot hold spaces.");
                }
            }

            ApiKey.ValidateSecret(fields[0], where);
            keys.Add(new ApiKey(fields[0], owner ?? DefaultOwner(firstIndex + keys.Count), admin));
        }

        if (keys.Count == 0)
        {
            throw new ArgumentException($"The API key file '{path}' holds no key, so no call could be checked. Add one key a line ('KEY [owner=NAME] [admin]'), or leave out --api-key-file to serve without keys.");
        }

        return keys;
    }

    /// <summary>The owner of the n-th key (1-based) when none is named: each such key is an owner of its own.</summary>
    public static string DefaultOwner(int index) => string.Create(CultureInfo.InvariantCulture, $"key {index}");
}
