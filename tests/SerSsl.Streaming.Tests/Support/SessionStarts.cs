using SerSsl.Streaming.Pipeline;
using SerSsl.Streaming.Server;
using SerSsl.Streaming.Sources;

namespace SerSsl.Streaming.Tests.Support;

/// <summary>Creates and starts a session in one call, for tests that subscribe later (the replay buffer covers them).</summary>
internal static class SessionStarts
{
    public static async Task<StreamingSession> StartAsync(this ServerSessions sessions, IAudioSource source, StreamingSessionOptions? options, string? id, CancellationToken ct)
    {
        var session = await sessions.CreateAsync(source, options, id, ct);
        session.Start();
        return session;
    }

    public static async Task<StreamingSession> StartSessionAsync(this RecognitionEngine engine, IAudioSource source, StreamingSessionOptions? options = null, CancellationToken cancellationToken = default)
    {
        var session = await engine.CreateSessionAsync(source, options, sessionId: null, cancellationToken);
        session.Start();
        return session;
    }
}
