using System.CommandLine;
using SerSsl.Streaming.Commands;
using SerSsl.Streaming.Server;
using SerSsl.TestSupport;

namespace SerSsl.Streaming.Tests.Server;

public sealed class ServerCommandOptionsTests : IDisposable
{
    private readonly string _dir = RepoPaths.NewTempDirectory("server-options");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("")]
    [InlineData("# only a comment\n\n   \n# another\n")]
    public void Read_KeyFileWithoutKeys_RefusesToStartInsteadOfServingOpen(string content)
    {
        var path = Path.Combine(_dir, "keys.txt");
        File.WriteAllText(path, content);

        var ex = Assert.Throws<ArgumentException>(() => Read("--api-key-file", path));

        Assert.Contains("holds no key", ex.Message, StringComparison.Ordinal);
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_KeyFileDevNull_RefusesToStart()
    {
        var ex = Assert.Throws<ArgumentException>(() => Read("--api-key-file", "/dev/null"));

        Assert.Contains("holds no key", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("\t")]
    public void Read_EmptyOrWhitespaceApiKey_RefusedWithoutRepeatingIt(string key)
    {
        var ex = Assert.Throws<ArgumentException>(() => Read("--api-key", "a-good-long-key-0123456789", "--api-key", key));

        Assert.Contains("--api-key number 2", ex.Message, StringComparison.Ordinal);
        Assert.Contains("empty", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_KeyWithSpaces_Refused()
    {
        var ex = Assert.Throws<ArgumentException>(() => Read("--api-key", "two words-0123456789"));

        Assert.Contains("spaces", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_KeyFileWithOwnersAndAdmin_EachKeyKnowsItsOwner()
    {
        var path = Path.Combine(_dir, "keys.txt");
        File.WriteAllText(path, "# team keys\nalice-key-0123456789 owner=alice\n  alice-phone-0123456 owner=alice  \nops-key-0123456789ab owner=ops admin\nplain-key-0123456789\n");

        var keys = Read("--api-key", "cli-key-0123456789ab", "--api-key-file", path).ApiKeys;

        Assert.Equal(
            [new ApiKey("cli-key-0123456789ab", "key 1"), new ApiKey("alice-key-0123456789", "alice"), new ApiKey("alice-phone-0123456", "alice"), new ApiKey("ops-key-0123456789ab", "ops", IsAdmin: true), new ApiKey("plain-key-0123456789", "key 5")],
            keys);
    }

    [Theory]
    [InlineData("my secret key\n", "line 1", "'secret'")]
    [InlineData("# c\nk-0123456789abcdef owner=\n", "line 2", "'owner='")]
    [InlineData("k-0123456789abcdef admin admin\n", "line 1", "'admin'")]
    public void Read_KeyFileMalformedLine_RefusedNamingTheLineAndField(string content, string line, string field)
    {
        var path = Path.Combine(_dir, "keys.txt");
        File.WriteAllText(path, content);

        var ex = Assert.Throws<ArgumentException>(() => Read("--api-key-file", path));

        Assert.Contains(line, ex.Message, StringComparison.Ordinal);
        Assert.Contains(field, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_SameKeyTwice_Refused()
    {
        var path = Path.Combine(_dir, "keys.txt");
        File.WriteAllText(path, "k-0123456789abcdef owner=a\nk-0123456789abcdef owner=b\n");

        var ex = Assert.Throws<ArgumentException>(() => Read("--api-key-file", path));

        Assert.Contains("twice", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Warnings_KeyShorterThanSixteen_WarnsNamingTheOwnerNotTheKey()
    {
        var options = Read("--api-key", "short-key", "--api-key", "a-long-enough-key-0123");

        var warning = Assert.Single(options.Warnings());

        Assert.Contains("key 1", warning, StringComparison.Ordinal);
        Assert.Contains("9 characters", warning, StringComparison.Ordinal);
        Assert.DoesNotContain("short-key", warning, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_EmptyKeyInOptions_Throws()
    {
        var options = new ServerOptions { ApiKeys = [new ApiKey(" ", "someone")] };

        Assert.Throws<ArgumentException>(options.Validate);
    }

    [Fact]
    public void Read_NoAddresses_ServesGrpcOnTheDefaultPortAndTheDashboardOnTheNext()
    {
        var options = Read();

        Assert.Equal(["http://127.0.0.1:50051"], options.Urls);
        Assert.Equal(["http://127.0.0.1:50052"], options.HttpUrls);
    }

    [Fact]
    public void Read_Port_MovesBothAddresses()
    {
        var options = Read("--port", "6000");

        Assert.Equal(["http://127.0.0.1:6000"], options.Urls);
        Assert.Equal(["http://127.0.0.1:6001"], options.HttpUrls);
    }

    [Fact]
    public void Read_HttpUrlsNone_ServesNoDashboard()
    {
        Assert.Empty(Read("--http-urls", "none").HttpUrls);
    }

    [Fact]
    public void Read_AllowedOrigins_KeptForTheWebSocketIngest()
    {
        var options = Read("--allowed-origins", "https://app.example.com", "http://localhost:8080");

        Assert.Equal(["https://app.example.com", "http://localhost:8080"], options.AllowedOrigins);
    }

    [Theory]
    [InlineData("app.example.com")]
    [InlineData("https://app.example.com/page")]
    [InlineData("ftp://app.example.com")]
    [InlineData("null")]
    public void Read_AllowedOriginNotAnOrigin_RefusedWithAnExample(string origin)
    {
        var ex = Assert.Throws<ArgumentException>(() => Read("--allowed-origins", origin));

        Assert.Contains($"'{origin}' is not a web origin", ex.Message, StringComparison.Ordinal);
        Assert.Contains("e.g. https://app.example.com", ex.Message, StringComparison.Ordinal);
    }

    private static Streaming.Server.ServerOptions Read(params string[] args)
    {
        var server = new ServerCommandOptions();
        var command = new Command("serve");
        server.AddTo(command);
        return server.Read(command.Parse(args));
    }
}
