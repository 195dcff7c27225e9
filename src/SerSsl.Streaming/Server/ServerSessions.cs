using SerSsl.Streaming.Pipeline;
using SerSsl.Streaming.Sources;

namespace SerSsl.Streaming.Server;

/// <summary>
/// The server's side of the engine's sessions: admits new ones within the session limit, gives them the server's
/// fan-out settings and metrics, tracks streaming calls for a graceful shutdown. The sessions themselves live in the
/// engine's registry (<see cref="RecognitionEngine.Sessions"/>), the one list of them.
/// </summary>
internal sealed class ServerSessions : IAsyncDisposable
{
    private readonly HashSet<string> _admitted = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private int _reserved;
    private int _calls;

    /// <summary>Creates the server's view over an engine it does not own.</summary>
    public ServerSessions(RecognitionEngine engine, ServerOptions options, ServerMetrics? metrics = null)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Engine = engine;
        Options = options;
        Metrics = metrics ?? new ServerMetrics();
    }

    /// <summary>The engine.</summary>
    public RecognitionEngine Engine { get; }

    /// <summary>The server's settings.</summary>
    public ServerOptions Options { get; }

    /// <summary>The server's counters.</summary>
    public ServerMetrics Metrics { get; }

    /// <summary>The engine's sessions, oldest first.</summary>
    public IReadOnlyList<StreamingSession> All => Engine.Sessions;

    /// <summary>Streaming calls in progress.</summary>
    public int ActiveCalls => Volatile.Read(ref _calls);

    /// <summary>Creates an unstarted push session for a client, within the session limit.</summary>
    /// <exception cref="SessionLimitException">The server already runs its maximum of sessions.</exception>
    /// <exception cref="ArgumentException">The id is taken.</exception>
    public StreamingSession Create(SessionInput input, string? sessionId)
    {
        Reserve();
        try
        {
            var session = Engine.CreateMeteredSession(input, SessionOptions(Options.SessionOptions), sessionId, Metrics);
            Admitted(session);
            return session;
        }
        catch
        {
            Release();
            throw;
        }
    }

    /// <summary>Opens a pull source and creates an unstarted session on it, within the session limit (<c>sers listen --serve</c>).</summary>
    /// <exception cref="SessionLimitException">The server already runs its maximum of sessions.</exception>
    /// <exception cref="ArgumentException">The id is taken.</exception>
    /// <exception cref="AudioSourceException">The source cannot be opened.</exception>
    public async Task<StreamingSession> CreateAsync(IAudioSource source, StreamingSessionOptions? options, string? sessionId, CancellationToken cancellationToken)
    {
        Reserve();
        try
        {
            var session = await Engine.CreateMeteredSessionAsync(source, SessionOptions(options ?? Options.SessionOptions), sessionId, Metrics, cancellationToken).ConfigureAwait(false);
            Admitted(session);
            return session;
        }
        catch
        {
            Release();
            throw;
        }
    }

    /// <summary>The session with this id, or null.</summary>
    public StreamingSession? Find(string sessionId) => Engine.FindSession(sessionId);

    /// <summary>Stops and forgets a session; its subscribers' streams end.</summary>
    public async Task<bool> RemoveAsync(string sessionId)
    {
        var removed = await Engine.RemoveSessionAsync(sessionId).ConfigureAwait(false);
        bool admitted;
        lock (_gate)
        {
            admitted = _admitted.Remove(sessionId);
        }

        if (admitted)
        {
            Release();
        }

        return removed;
    }

    /// <summary>Counts a streaming call until the returned scope is disposed.</summary>
    public IDisposable TrackCall()
    {
        Interlocked.Increment(ref _calls);
        return new CallScope(this);
    }

    /// <summary>Waits until no streaming call is in progress, or until cancelled (then returns quietly).</summary>
    public async Task WaitForCallsAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (ActiveCalls > 0)
            {
                await Task.Delay(10, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // The host's shutdown timeout: the web server aborts what is left.
        }
    }

    /// <summary>Ends every subscriber stream and stops every session (server shutdown).</summary>
    public async Task StopAllAsync()
    {
        var sessions = All;
        foreach (var session in sessions)
        {
            session.CompleteSubscribers();
        }

        await Task.WhenAll(sessions.Select(s => s.StopAsync())).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        string[] admitted;
        lock (_gate)
        {
            admitted = [.. _admitted];
        }

        foreach (var id in admitted)
        {
            await RemoveAsync(id).ConfigureAwait(false);
        }
    }

    internal void CallEnded() => Interlocked.Decrement(ref _calls);

    private StreamingSessionOptions SessionOptions(StreamingSessionOptions options) => options with
    {
        ReplayCapacity = Options.ReplayCapacity,
        SubscriberBufferCapacity = Options.SubscriberBufferCapacity,
        MaxSubscribers = Options.MaxSubscribersPerSession,
    };

    private void Reserve()
    {
        lock (_gate)
        {
            if (_reserved >= Options.MaxSessions)
            {
                throw new SessionLimitException($"The server already runs its maximum of {Options.MaxSessions} sessions; try again when one ends.");
            }

            _reserved++;
        }
    }

    private void Admitted(StreamingSession session)
    {
        lock (_gate)
        {
            _admitted.Add(session.Id);
        }

        Metrics.SessionStarted();
    }

    private void Release()
    {
        lock (_gate)
        {
            _reserved--;
        }
    }
}

/// <summary>Ends a tracked call.</summary>
internal sealed class CallScope(ServerSessions sessions) : IDisposable
{
    private int _disposed;

    /// <inheritdoc />
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            sessions.CallEnded();
        }
    }
}

/// <summary>The server runs its maximum of sessions.</summary>
internal sealed class SessionLimitException(string message) : Exception(message);
