using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using SerSsl.Core.Audio;
using SerSsl.Protos.V1;
using SerSsl.Streaming.Tests.Support;
using SerSsl.TestSupport;

namespace SerSsl.Streaming.Tests.Server;

/// <summary><c>sers serve</c> and <c>sers listen --serve</c> run through the command line, on real loopback ports.</summary>
public sealed class ServerCommandTests : IDisposable
{
    private readonly string _dir = RepoPaths.NewTempDirectory("server-commands");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Serve_LoopbackPort_AnswersListSessionsAndGetModelInfoAndStopsCleanly()
    {
        var ct = TestContext.Current.CancellationToken;
        var server = await CommandServer.StartAsync(["serve", "--model", TestModel.Directory, "--urls", "http://127.0.0.1:0"], ct);
        await using var disposeServer = server;
        using var channel = GrpcChannel.ForAddress(server.Address);
        var client = new Recognizer.RecognizerClient(channel);

        var info = await client.GetModelInfoAsync(new GetModelInfoRequest(), cancellationToken: ct);
        var before = await client.ListSessionsAsync(new ListSessionsRequest(), cancellationToken: ct);
        using var recognize = client.Recognize(cancellationToken: ct);
        await recognize.RequestStream.WriteAsync(ServerAudio.Config(sessionId: "cli"), ct);
        Assert.True(await recognize.ResponseStream.MoveNext(ct));
        var during = await client.ListSessionsAsync(new ListSessionsRequest(), cancellationToken: ct);
        await recognize.RequestStream.WriteAsync(ServerAudio.Audio(ServerAudio.S16(ServerAudio.Tone(16_000, 2))), ct);
        await recognize.RequestStream.CompleteAsync();
        var responses = await ServerAudio.ReadAll(recognize.ResponseStream, ct);
        var exitCode = await server.StopAsync();

        Assert.Equal(TestModel.Load().Labels, info.Labels);
        Assert.Equal(16_000u, info.SampleRate);
        Assert.Empty(before.Sessions);
        var session = Assert.Single(during.Sessions);
        Assert.Equal("cli", session.SessionId);
        Assert.StartsWith("grpc: ", session.Source, StringComparison.Ordinal);
        Assert.Contains(responses, r => r.Estimate is not null);
        Assert.Equal(StatusCode.OK, recognize.GetStatus().StatusCode);
        Assert.Equal(0, exitCode);
        Assert.Contains("server stopped.", server.Error, StringComparison.Ordinal);
        Assert.Contains("API keys: none: every call and endpoint is open", server.Error, StringComparison.Ordinal);
        Assert.Equal("127.0.0.1", server.Address.Host);
        Assert.NotEqual(0, server.Address.Port);
    }

    [Fact]
    public async Task Serve_SessionOptions_RecognizeCallsRunWithThem()
    {
        // Arrange: a 500 ms hop (the test model's default is shorter) and a speech threshold no tone reaches.
        var ct = TestContext.Current.CancellationToken;
        var server = await CommandServer.StartAsync(["serve", "--model", TestModel.Directory, "--urls", "http://127.0.0.1:0", "--hop-ms", "500", "--vad-threshold-db", "0"], ct);
        await using var disposeServer = server;
        using var channel = GrpcChannel.ForAddress(server.Address);
        var client = new Recognizer.RecognizerClient(channel);
        Assert.NotEqual(50, TestModel.Load().Manifest.Chunks.DefaultHopFrames);

        // Act
        // (6 s of audio in 0.1 s messages at twice real time: a live session, within the burst allowance.)
        var responses = await ServerAudio.Recognize(client, [ServerAudio.Config(), .. ServerAudio.Chunks(ServerAudio.S16(ServerAudio.Tone(16_000, 6)), 3200)], ct, pause: TimeSpan.FromMilliseconds(50));
        await server.StopAsync();

        // Assert
        var estimates = responses.Where(r => r.Estimate is not null).Select(r => r.Estimate).ToList();
        Assert.True(estimates.Count >= 3, $"{estimates.Count} estimates: {string.Join(", ", responses.Select(r => r.ToString()))}");
        // (A live session that falls behind drops its oldest audio, which shifts later positions: skip those steps.)
        var steps = estimates.Skip(1).Zip(estimates).Where(pair => pair.First.DroppedSamples == 0).ToList();
        Assert.NotEmpty(steps);
        Assert.All(steps, pair => Assert.Equal(0.5, pair.First.StartSeconds - pair.Second.StartSeconds, 1e-9));
        Assert.All(estimates, e => Assert.False(e.Speech));
    }

    [Fact]
    public async Task ListenServe_PacedFile_SubscribersGetTheEstimatesTheCommandPrints()
    {
        var ct = TestContext.Current.CancellationToken;
        var wav = Excerpt(seconds: 4);
        var server = await CommandServer.StartAsync(
            ["listen", "--source", $"file:{wav}", "--serve", "--urls", "http://127.0.0.1:0", "--model", TestModel.Directory, "--output", "json"],
            ct);
        await using var disposeServer = server;
        using var channel = GrpcChannel.ForAddress(server.Address);
        var client = new Recognizer.RecognizerClient(channel);

        var sessions = await client.ListSessionsAsync(new ListSessionsRequest(), cancellationToken: ct);
        var info = await client.GetModelInfoAsync(new GetModelInfoRequest(), cancellationToken: ct);
        using var subscription = client.Subscribe(new SubscribeRequest { SessionId = "listen", FromSequence = 0 }, cancellationToken: ct);
        var events = await ServerAudio.ReadAll(subscription.ResponseStream, ct);
        var exitCode = await server.Completion.WaitAsync(TimeSpan.FromSeconds(30), ct);

        var session = Assert.Single(sessions.Sessions);
        Assert.Equal("listen", session.SessionId);
        Assert.Contains("excerpt.wav", session.Source, StringComparison.Ordinal);
        Assert.False(session.Live);
        Assert.Equal(TestModel.Load().Labels, info.Labels);
        Assert.Equal(StatusCode.OK, subscription.GetStatus().StatusCode);
        Assert.Equal(0, exitCode);
        Assert.DoesNotContain(events, e => e.Gap is not null);
        var received = events.Where(e => e.Estimate is not null).Select(e => e.Estimate).ToList();
        Assert.NotEmpty(received);
        Assert.Equal(Enumerable.Range(0, received.Count).Select(i => (ulong)i), received.Select(e => e.Sequence));
        var printed = server.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(EmotionEstimate.Parser.ParseJson).ToList();
        Assert.Equal(printed, received);
        Assert.Contains($"file (real time): {wav}: ", server.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Serve_TlsWithSelfSignedPemFiles_TrustingClientCallsAndOthersFail(bool keyInCertificateFile)
    {
        var ct = TestContext.Current.CancellationToken;
        var (certificatePath, keyPath, thumbprint) = WriteSelfSignedCertificate(keyInCertificateFile);
        string[] tls = keyInCertificateFile ? ["--tls-cert", certificatePath] : ["--tls-cert", certificatePath, "--tls-key", keyPath!];
        var server = await CommandServer.StartAsync(["serve", "--model", TestModel.Directory, "--urls", "https://127.0.0.1:0", .. tls], ct);
        await using var disposeServer = server;
        Assert.Equal(Uri.UriSchemeHttps, server.Address.Scheme);
        SslPolicyErrors? seen = null;
        using var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, certificate, _, errors) =>
            {
                seen = errors;
                return certificate is not null && certificate.GetCertHashString(HashAlgorithmName.SHA256) == thumbprint;
            },
        };
        using var channel = GrpcChannel.ForAddress(server.Address, new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = false });
        var client = new Recognizer.RecognizerClient(channel);

        var info = await client.GetModelInfoAsync(new GetModelInfoRequest(), cancellationToken: ct);
        var responses = await ServerAudio.Recognize(client, [ServerAudio.Config(sessionId: "tls"), ServerAudio.Audio(ServerAudio.S16(ServerAudio.Tone(16_000, 2)))], ct);
        using var plaintextChannel = GrpcChannel.ForAddress(new UriBuilder(server.Address) { Scheme = Uri.UriSchemeHttp }.Uri);
        var plaintext = await Assert.ThrowsAsync<RpcException>(async () =>
            await new Recognizer.RecognizerClient(plaintextChannel).GetModelInfoAsync(new GetModelInfoRequest(), deadline: DateTime.UtcNow.AddSeconds(10), cancellationToken: ct));
        using var untrustingChannel = GrpcChannel.ForAddress(server.Address);
        var untrusting = await Assert.ThrowsAsync<RpcException>(async () =>
            await new Recognizer.RecognizerClient(untrustingChannel).GetModelInfoAsync(new GetModelInfoRequest(), deadline: DateTime.UtcNow.AddSeconds(10), cancellationToken: ct));

        Assert.Equal(TestModel.Load().Labels, info.Labels);
        Assert.Equal("tls", responses[0].Started.SessionId);
        Assert.Contains(responses, r => r.Estimate is not null);
        // The certificate names 127.0.0.1: the only complaint is that no authority vouches for it.
        Assert.Equal(SslPolicyErrors.RemoteCertificateChainErrors, seen);
        // Cleartext HTTP/2 at a TLS endpoint: the server never completes the HTTP/2 handshake; depending on when the
        // connection breaks the client calls it INTERNAL (protocol error) or UNAVAILABLE (connection reset).
        Assert.True(plaintext.StatusCode is StatusCode.Internal or StatusCode.Unavailable, plaintext.Status.ToString());
        Assert.Contains("HTTP/2 handshake", plaintext.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.Internal, untrusting.StatusCode);
        Assert.Contains("UntrustedRoot", untrusting.Status.Detail, StringComparison.Ordinal);
        TestContext.Current.SendDiagnosticMessage($"plaintext against TLS: {plaintext.Status.Detail}; untrusting client: {untrusting.Status.Detail}");
    }

    [Fact]
    public async Task Serve_ApiKeyFile_KeysFromTheFileWorkOthersAreUnauthenticated()
    {
        var ct = TestContext.Current.CancellationToken;
        var keys = Path.Combine(_dir, "keys.txt");
        await File.WriteAllTextAsync(keys, "# dashboards\nfirst-key\n\n  second-key-0123456789  \n", ct);
        var server = await CommandServer.StartAsync(["serve", "--model", TestModel.Directory, "--urls", "http://127.0.0.1:0", "--api-key-file", keys], ct);
        await using var disposeServer = server;
        using var channel = GrpcChannel.ForAddress(server.Address);
        Recognizer.RecognizerClient Client(string header, string? value) =>
            new(value is null ? channel.CreateCallInvoker() : channel.Intercept(m =>
            {
                m.Add(header, value);
                return m;
            }));

        var info = await Client("x-api-key", "second-key-0123456789").GetModelInfoAsync(new GetModelInfoRequest(), cancellationToken: ct);
        var sessions = await Client("authorization", "Bearer first-key").ListSessionsAsync(new ListSessionsRequest(), cancellationToken: ct);
        var recognized = await ServerAudio.Recognize(Client("x-api-key", "first-key"), [ServerAudio.Config(), ServerAudio.Audio(ServerAudio.S16(ServerAudio.Tone(16_000, 1.5)))], ct);
        var wrong = await Assert.ThrowsAsync<RpcException>(async () => await Client("x-api-key", "third-key").GetModelInfoAsync(new GetModelInfoRequest(), cancellationToken: ct));
        var comment = await Assert.ThrowsAsync<RpcException>(async () => await Client("x-api-key", "# dashboards").ListSessionsAsync(new ListSessionsRequest(), cancellationToken: ct));
        var none = await Assert.ThrowsAsync<RpcException>(async () => await Client("x-api-key", null).GetModelInfoAsync(new GetModelInfoRequest(), cancellationToken: ct));
        var wrongStream = await Assert.ThrowsAsync<RpcException>(() => ServerAudio.Recognize(Client("x-api-key", "third-key"), [ServerAudio.Config()], ct));

        Assert.Equal(TestModel.Load().Labels, info.Labels);
        Assert.Empty(sessions.Sessions);
        Assert.Contains(recognized, r => r.Estimate is not null);
        Assert.Equal(StatusCode.Unauthenticated, wrong.StatusCode);
        Assert.Equal(StatusCode.Unauthenticated, comment.StatusCode);
        Assert.Equal(StatusCode.Unauthenticated, none.StatusCode);
        Assert.Equal(StatusCode.Unauthenticated, wrongStream.StatusCode);
        Assert.DoesNotContain("second-key", server.Error, StringComparison.Ordinal);
        Assert.Contains("API keys: required (2 accepted", server.Error, StringComparison.Ordinal);
        Assert.Contains("warning: the API key of key 1 has 9 characters", server.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_EncryptedTlsKey_ExitsTwoSayingThePassphraseIsTheProblem()
    {
        var ct = TestContext.Current.CancellationToken;
        var (certificatePath, keyPath, _) = WriteSelfSignedCertificate(keyInCertificateFile: false);
        // The certificate's own key, encrypted: only the passphrase stands between these files and a working server.
        using (var certificate = X509Certificate2.CreateFromPemFile(certificatePath, keyPath))
        using (var own = certificate.GetECDsaPrivateKey()!)
        {
            var encrypted = own.ExportEncryptedPkcs8PrivateKeyPem("passphrase", new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 100_000));
            await File.WriteAllTextAsync(keyPath!, encrypted, ct);
        }

        var (exitCode, _, error) = await CommandServer.RunAsync(
            ["serve", "--model", TestModel.Directory, "--urls", "https://127.0.0.1:0", "--tls-cert", certificatePath, "--tls-key", keyPath!],
            ct);

        Assert.Equal(2, exitCode);
        Assert.Contains("encrypted with a passphrase", error, StringComparison.Ordinal);
        Assert.Contains(keyPath!, error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("missing-cert")]
    [InlineData("not-pem")]
    [InlineData("key-mismatch")]
    public async Task Serve_UnusableCertificate_ExitsTwoNamingTheFile(string problem)
    {
        var ct = TestContext.Current.CancellationToken;
        var (certificatePath, keyPath, _) = WriteSelfSignedCertificate(keyInCertificateFile: false);
        switch (problem)
        {
            case "missing-cert":
                certificatePath = Path.Combine(_dir, "nowhere", "cert.pem");
                break;
            case "not-pem":
                await File.WriteAllTextAsync(certificatePath, "this is not a certificate\n", ct);
                break;
            default:
                using (var other = ECDsa.Create(ECCurve.NamedCurves.nistP256))
                {
                    await File.WriteAllTextAsync(keyPath!, other.ExportPkcs8PrivateKeyPem(), ct);
                }

                break;
        }

        var (exitCode, _, error) = await CommandServer.RunAsync(
            ["serve", "--model", TestModel.Directory, "--urls", "https://127.0.0.1:0", "--tls-cert", certificatePath, "--tls-key", keyPath!],
            ct);

        Assert.Equal(2, exitCode);
        Assert.StartsWith("error: Cannot load the TLS certificate", error, StringComparison.Ordinal);
        Assert.Contains(certificatePath, error, StringComparison.Ordinal);
        Assert.Contains("--tls-cert", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("serve")]
    [InlineData("listen")]
    public async Task Command_PortInUse_ExitsTwoSayingChooseAnotherPort(string command)
    {
        var ct = TestContext.Current.CancellationToken;
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        string[] args = command == "serve"
            ? ["serve", "--model", TestModel.Directory, "--port", port]
            : ["listen", "--source", $"file:{TestModel.DemoRecording}", "--serve", "--port", port, "--model", TestModel.Directory, "--output", "json"];

        var (exitCode, _, error) = await CommandServer.RunAsync(args, ct);

        Assert.Equal(2, exitCode);
        Assert.Contains("Cannot listen", error, StringComparison.Ordinal);
        Assert.Contains(port, error, StringComparison.Ordinal);
        Assert.Contains("--port", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--urls https://127.0.0.1:0", "--tls-cert")]
    [InlineData("--port 0", "--port must be 1 to 65535")]
    [InlineData("--urls ftp://127.0.0.1:21", "not an http:// or https:// address")]
    [InlineData("--urls http://example.org:50051", "give an IP address")]
    [InlineData("--api-key-file /nonexistent/keys.txt", "Cannot read the API key file '/nonexistent/keys.txt'")]
    [InlineData("--burst-seconds -1", "burst allowance")]
    [InlineData("--api-key-file /dev/null", "holds no key")]
    [InlineData("--max-sessions-per-client 0", "per-client session limit")]
    [InlineData("--idle-timeout-seconds 0", "--idle-timeout-seconds must be a positive")]
    public async Task Serve_BadOption_ExitsTwoWithTheReason(string options, string expected)
    {
        var ct = TestContext.Current.CancellationToken;

        var (exitCode, _, error) = await CommandServer.RunAsync(["serve", "--model", TestModel.Directory, .. options.Split(' ')], ct);

        Assert.Equal(2, exitCode);
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
    }

    /// <summary>A self-signed certificate for localhost and 127.0.0.1 in PEM files; returns its SHA-256 thumbprint.</summary>
    private (string CertificatePath, string? KeyPath, string Thumbprint) WriteSelfSignedCertificate(bool keyInCertificateFile)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1", "Server Authentication")], critical: false));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        var certificatePath = Path.Combine(_dir, "cert.pem");
        var keyPath = Path.Combine(_dir, "key.pem");
        if (keyInCertificateFile)
        {
            File.WriteAllText(certificatePath, certificate.ExportCertificatePem() + "\n" + key.ExportPkcs8PrivateKeyPem());
            return (certificatePath, null, certificate.GetCertHashString(HashAlgorithmName.SHA256));
        }

        File.WriteAllText(certificatePath, certificate.ExportCertificatePem());
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        return (certificatePath, keyPath, certificate.GetCertHashString(HashAlgorithmName.SHA256));
    }

    /// <summary>The first seconds of the demo recording as a 16-bit WAV.</summary>
    private string Excerpt(int seconds)
    {
        var demo = WavFile.ReadMono(TestModel.DemoRecording);
        var path = Path.Combine(_dir, "excerpt.wav");
        WavFile.Write(path, demo.Samples.AsSpan(0, seconds * demo.SampleRate), demo.SampleRate, WavSampleFormat.Pcm16);
        return path;
    }
}
