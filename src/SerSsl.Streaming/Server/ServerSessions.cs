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
    // Every session created through this registry, from before the engine knows it until it is removed: its owner
    // (null: the server's own) and the client its per-client limit counts against (null: none).
    private readonly Dictionary<string, (string? Owner, string? Client)> _admitted = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _perClient = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private int _reserved;
    private int _calls;
    private int _stopping;

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

    /// <summary>
    /// Session slots taken against <see cref="ServerOptions.MaxSessions"/>: reserved before the engine knows a session and
    /// freed after the engine has forgotten it, so it can briefly exceed <c>All.Count</c>.
    /// </summary>
    public int SlotsTaken
    {
        get
        {
            lock (_gate)
            {
                return _reserved;
            }
        }
    }

    /// <summary>True once <see cref="StopAllAsync"/> has begun: the server is shutting down.</summary>
    public bool IsStopping => Volatile.Read(ref _stopping) != 0;

    /// <summary>Streaming calls in progress.</summary>
    public int ActiveCalls => Volatile.Read(ref _calls);

    /// <summary>Creates an unstarted push session for a client, within the session limits.</summary>
    /// <param name="input">The audio's format, liveness and description.</param>
    /// <param name="sessionId">The id the client asked for; null for an unguessable one.</param>
    /// <param name="caller">Who asks: the session belongs to its key's owner and counts against its per-client limit; null for the server itself.</param>
    /// <exception cref="SessionLimitException">The server, or this client, already runs its maximum of sessions.</exception>
    /// <exception cref="SessionIdTakenException">The id is taken.</exception>
    /// <exception cref="ServerStoppingException">The server is shutting down.</exception>
    public StreamingSession Create(SessionInput input, string? sessionId, Caller? caller = null)
    {
        var id = Reserve(sessionId, caller);
        try
        {
            var session = Engine.CreateMeteredSession(input, SessionOptions(Options.SessionOptions), id, Metrics);
            Metrics.SessionStarted();
            return session;
        }
        catch
        {
            Release(id);
            throw;
        }
    }

    /// <summary>Opens a pull source and creates an unstarted session on it, within the session limit (<c>sers listen --serve</c>); the server owns it, and every key sees it.</summary>
    /// <exception cref="SessionLimitException">The server already runs its maximum of sessions.</exception>
    /// <exception cref="SessionIdTakenException">The id is taken.</exception>
    /// <exception cref="AudioSourceException">The source cannot be opened.</exception>
    public async Task<StreamingSession> CreateAsync(IAudioSource source, StreamingSessionOptions? options, string? sessionId, CancellationToken cancellationToken)
    {
        string id;
        try
        {
            id = Reserve(sessionId, caller: null);
        }
        catch
        {
            await source.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        try
        {
            var session = await Engine.CreateMeteredSessionAsync(source, SessionOptions(options ?? Options.SessionOptions), id, Metrics, cancellationToken).ConfigureAwait(false);
            Metrics.SessionStarted();
            return session;
        }
        catch
        {
            Release(id);
            throw;
        }
    }

    /// <summary>The session with this id, or null.</summary>
    public StreamingSession? Find(string sessionId) => Engine.FindSession(sessionId);

    /// <summary>The session with this id if <paramref name="caller"/> may see it, else null (as if there were none).</summary>
    public StreamingSession? Find(string sessionId, Caller caller)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return Find(sessionId) is { } session && caller.CanSee(OwnerOf(sessionId)) ? session : null;
    }

    /// <summary>The sessions <paramref name="caller"/> may see, oldest first.</summary>
    public IReadOnlyList<StreamingSession> VisibleTo(Caller caller)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return [.. All.Where(s => caller.CanSee(OwnerOf(s.Id)))];
    }

    /// <summary>The owner of a session (the key owner whose call started it); null for the server's own and for unknown ids.</summary>
    public string? OwnerOf(string sessionId)
    {
        lock (_gate)
        {
            return _admitted.TryGetValue(sessionId, out var entry) ? entry.Owner : null;
        }
    }

    /// <summary>Stops and forgets a session; its subscribers' streams end.</summary>
    public async Task<bool> RemoveAsync(string sessionId)
    {
        var removed = await Engine.RemoveSessionAsync(sessionId).ConfigureAwait(false);
        Release(sessionId);
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
        lock (_gate)
        {
            // Under the gate: no session is admitted after this.
            Volatile.Write(ref _stopping, 1);
        }

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
            admitted = [.. _admitted.Keys];
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

    /// <summary>
    /// Takes a slot for a new session under its id, before the engine knows it: the id is free, the server and the client
    /// are within their limits, and the owner is on record before anyone can find the session.
    /// </summary>
    private string Reserve(string? sessionId, Caller? caller)
    {
        var client = caller?.Client;
        lock (_gate)
        {
            if (IsStopping)
            {
                throw new ServerStoppingException();
            }

            var id = sessionId ?? NewId();
            if (_admitted.ContainsKey(id) || Engine.FindSession(id) is not null)
            {
                throw new SessionIdTakenException(id);
            }

            if (_reserved >= Options.MaxSessions)
            {
                throw new SessionLimitException($"The server already runs its maximum of {Options.MaxSessions} sessions (--max-sessions); try again when one ends.");
            }

            if (client is not null && _perClient.GetValueOrDefault(client) >= Options.MaxSessionsPerClient)
            {
                throw new SessionLimitException($"This client ({client}) already runs its maximum of {Options.MaxSessionsPerClient} sessions (--max-sessions-per-client); end one first.");
            }

            _reserved++;
            _admitted[id] = (caller?.Owner, client);
            if (client is not null)
            {
                _perClient[client] = _perClient.GetValueOrDefault(client) + 1;
            }

            return id;
        }
    }

    private string NewId()
    {
        while (true)
        {
            var id = RecognitionEngine.NewSessionId();
            if (!_admitted.ContainsKey(id))
            {
                return id;
            }
        }
    }

    private void Release(string sessionId)
    {
        lock (_gate)
        {
            if (!_admitted.Remove(sessionId, out var entry))
            {
                return;
            }

            _reserved--;
            if (entry.Client is { } client && --_perClient[client] == 0)
            {
                _perClient.Remove(client);
            }
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

/// <summary>The server is shutting down and admits no new session.</summary>
internal sealed class ServerStoppingException() : Exception("The server is shutting down; connect again (to it once it is back, or to another one).");

/// <summary>The server, or the client, runs its maximum of sessions; the message names the limit.</summary>
internal sealed class SessionLimitException(string message) : Exception(message);
