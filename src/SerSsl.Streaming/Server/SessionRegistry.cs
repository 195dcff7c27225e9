using System.Collections.Concurrent;
using SerSsl.Streaming.Pipeline;
using SerSsl.Streaming.Sources;

namespace SerSsl.Streaming.Server;

/// <summary>The server's sessions: each engine session with the hub that fans it out, within the session limit.</summary>
internal sealed class SessionRegistry : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, SessionHub> _hubs = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private int _reserved;
    private int _calls;

    /// <summary>Creates the registry over an engine it does not own.</summary>
    public SessionRegistry(RecognitionEngine engine, ServerOptions options, ServerMetrics? metrics = null)
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

    /// <summary>The sessions' hubs.</summary>
    public IReadOnlyCollection<SessionHub> Hubs => [.. _hubs.Values];

    /// <summary>Starts a session with its hub.</summary>
    /// <exception cref="SessionLimitException">The server already runs its maximum of sessions.</exception>
    /// <exception cref="ArgumentException">The id is taken.</exception>
    /// <exception cref="AudioSourceException">The source cannot be opened.</exception>
    public Task<SessionHub> StartAsync(IAudioSource source, StreamingSessionOptions? options, string? sessionId, CancellationToken cancellationToken) =>
        StartAsync(source, options, sessionId, attach: null, cancellationToken);

    /// <summary>Starts a session as <see cref="StartAsync(IAudioSource, StreamingSessionOptions?, string?, CancellationToken)"/> does, and calls <paramref name="attach"/> before its pipeline runs.</summary>
    /// <param name="source">The audio.</param>
    /// <param name="options">Session options.</param>
    /// <param name="sessionId">The id, or null to generate one.</param>
    /// <param name="attach">Subscribes in-process observers so that they miss nothing; null for none.</param>
    /// <param name="cancellationToken">Cancels opening the source.</param>
    /// <returns>The session's hub.</returns>
    public async Task<SessionHub> StartAsync(IAudioSource source, StreamingSessionOptions? options, string? sessionId, Action<StreamingSession>? attach, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_reserved >= Options.MaxSessions)
            {
                throw new SessionLimitException($"The server already runs its maximum of {Options.MaxSessions} sessions; try again when one ends.");
            }

            _reserved++;
        }

        try
        {
            SessionHub? hub = null;
            var session = await Engine.StartSessionAsync(
                source,
                options,
                sessionId,
                s =>
                {
                    hub = new SessionHub(s, Options, Metrics);
                    attach?.Invoke(s);
                },
                cancellationToken).ConfigureAwait(false);
            _hubs[session.Id] = hub!;
            Metrics.SessionStarted();
            return hub!;
        }
        catch
        {
            Release();
            throw;
        }
    }

    /// <summary>The hub of a session, or null.</summary>
    public SessionHub? Find(string sessionId) => _hubs.GetValueOrDefault(sessionId);

    /// <summary>Stops and forgets a session; its subscribers' streams end.</summary>
    public async Task<bool> RemoveAsync(string sessionId)
    {
        if (!_hubs.TryRemove(sessionId, out var hub))
        {
            return false;
        }

        await Engine.RemoveSessionAsync(sessionId).ConfigureAwait(false);
        hub.Dispose();
        Release();
        return true;
    }

    /// <summary>Streaming calls in progress.</summary>
    public int ActiveCalls => Volatile.Read(ref _calls);

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
        foreach (var hub in _hubs.Values)
        {
            hub.CompleteSubscribers();
        }

        await Task.WhenAll(_hubs.Values.Select(h => h.Session.StopAsync())).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        foreach (var id in _hubs.Keys.ToArray())
        {
            await RemoveAsync(id).ConfigureAwait(false);
        }
    }

    internal void CallEnded() => Interlocked.Decrement(ref _calls);

    private void Release()
    {
        lock (_gate)
        {
            _reserved--;
        }
    }
}

/// <summary>Ends a tracked call.</summary>
internal sealed class CallScope(SessionRegistry registry) : IDisposable
{
    private int _disposed;

    /// <inheritdoc />
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            registry.CallEnded();
        }
    }
}

/// <summary>The server runs its maximum of sessions.</summary>
internal sealed class SessionLimitException(string message) : Exception(message);
