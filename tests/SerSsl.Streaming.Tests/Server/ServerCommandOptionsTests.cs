using System.CommandLine;
using SerSsl.Streaming.Commands;

namespace SerSsl.Streaming.Tests.Server;

public sealed class ServerCommandOptionsTests
{
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

    private static Streaming.Server.ServerOptions Read(params string[] args)
    {
        var server = new ServerCommandOptions();
        var command = new Command("serve");
        server.AddTo(command);
        return server.Read(command.Parse(args));
    }
}
