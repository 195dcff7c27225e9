using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SerSsl.Core.Models;
using SerSsl.Streaming.Inference;
using SerSsl.Streaming.Sources;

namespace SerSsl.Streaming.Pipeline;

/// <summary>
/// The shared part of the streaming engine: one model in ONNX Runtime, one inference scheduler, and the one registry
/// of the sessions that feed it. Create one per process; create a session per audio stream.
/// </summary>
/// <remarks>
/// Sessions are created unstarted: push audio into one (<see cref="CreateSession"/>) or let it read a pull source
/// (<see cref="CreateSessionAsync"/>), subscribe to its events, then <see cref="StreamingSession.Start"/> it.
/// </remarks>
public sealed class RecognitionEngine : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, StreamingSession> _sessions = new(StringComparer.Ordinal);
    private int _disposed;

    private readonly ILogger _sessionLogger;

    private RecognitionEngine(OnnxEmotionModel model, ILoggerFactory? loggerFactory)
    {
        loggerFactory ??= NullLoggerFactory.Instance;
        Model = model;
        Scheduler = new InferenceScheduler(model, logger: loggerFactory.CreateLogger(InferenceLog.Category));
        _sessionLogger = loggerFactory.CreateLogger(SessionLog.Category);
    }

    /// <summary>The model.</summary>
    internal OnnxEmotionModel Model { get; }

    /// <summary>The inference scheduler all sessions share.</summary>
    internal InferenceScheduler Scheduler { get; }

    /// <summary>The model bundle.</summary>
    public ModelBundle Bundle => Model.Bundle;

    /// <summary>The sessions created and not yet removed, oldest first.</summary>
    public IReadOnlyList<StreamingSession> Sessions => [.. _sessions.Values.OrderBy(s => s.StartedAt == default ? DateTimeOffset.MaxValue : s.StartedAt).ThenBy(s => s.Id, StringComparer.Ordinal)];

    /// <summary>Loads a bundle folder and starts the scheduler.</summary>
    /// <param name="bundleDirectory">A model bundle folder.</param>
    /// <param name="options">Inference options; defaults when null.</param>
    /// <param name="loggerFactory">Where sessions and the scheduler log (starts, ends, failures, dropped audio); null for nowhere.</param>
    /// <returns>The engine.</returns>
    /// <exception cref="ModelBundleException">The bundle is missing or invalid.</exception>
    /// <exception cref="InferenceException">ONNX Runtime cannot run it as asked.</exception>
    public static RecognitionEngine Create(string bundleDirectory, InferenceOptions? options = null, ILoggerFactory? loggerFactory = null) => Create(ModelBundle.Load(bundleDirectory), options, loggerFactory);

    /// <summary>Starts an engine on a loaded bundle.</summary>
    /// <param name="bundle">The bundle.</param>
    /// <param name="options">Inference options; defaults when null.</param>
    /// <param name="loggerFactory">Where sessions and the scheduler log; null for nowhere.</param>
    /// <returns>The engine.</returns>
    /// <exception cref="InferenceException">ONNX Runtime cannot run the bundle as asked.</exception>
    public static RecognitionEngine Create(ModelBundle bundle, InferenceOptions? options = null, ILoggerFactory? loggerFactory = null) => new(OnnxEmotionModel.Load(bundle, options), loggerFactory);

    /// <summary>Creates an unstarted session that the caller writes audio into (<see cref="StreamingSession.Audio"/>).</summary>
    /// <param name="input">The audio's format, liveness and description.</param>
    /// <param name="options">Session options; defaults when null.</param>
    /// <param name="sessionId">A unique id; null generates an unguessable one (<see cref="NewSessionId"/>).</param>
    /// <returns>The session; subscribe, then start it.</returns>
    /// <exception cref="SessionIdTakenException">The id is taken.</exception>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    /// <exception cref="AudioSourceException">The format is out of range.</exception>
    public StreamingSession CreateSession(SessionInput input, StreamingSessionOptions? options = null, string? sessionId = null) =>
        Register(input, source: null, options, sessionId, metrics: null);

    /// <summary>Opens a pull source and creates an unstarted session that reads it once started.</summary>
    /// <param name="source">The audio; the session owns it from now on and disposes it (also when this call fails).</param>
    /// <param name="options">Session options; defaults when null.</param>
    /// <param name="sessionId">A unique id; null generates an unguessable one.</param>
    /// <param name="cancellationToken">Cancels opening the source.</param>
    /// <returns>The session; subscribe, then start it.</returns>
    /// <exception cref="AudioSourceException">The source cannot be opened.</exception>
    /// <exception cref="SessionIdTakenException">The id is taken.</exception>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public Task<StreamingSession> CreateSessionAsync(IAudioSource source, StreamingSessionOptions? options = null, string? sessionId = null, CancellationToken cancellationToken = default) =>
        CreateMeteredSessionAsync(source, options, sessionId, metrics: null, cancellationToken);

    /// <summary>The session with this id, or null.</summary>
    /// <param name="sessionId">The id.</param>
    public StreamingSession? FindSession(string sessionId) => _sessions.GetValueOrDefault(sessionId);

    /// <summary>Stops and forgets a session.</summary>
    /// <param name="sessionId">The id.</param>
    /// <returns>True when the session existed.</returns>
    public async Task<bool> RemoveSessionAsync(string sessionId)
    {
        if (!_sessions.TryRemove(sessionId, out var session))
        {
            return false;
        }

        await session.DisposeAsync().ConfigureAwait(false);
        return true;
    }

    /// <summary>Stops every session, then the scheduler, then releases the model.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        foreach (var id in _sessions.Keys.ToArray())
        {
            await RemoveSessionAsync(id).ConfigureAwait(false);
        }

        Scheduler.Dispose();
        Model.Dispose();
    }

    /// <summary>As the public overload, with counters for the session's fan-out (the server's metrics).</summary>
    internal async Task<StreamingSession> CreateMeteredSessionAsync(IAudioSource source, StreamingSessionOptions? options, string? sessionId, ISessionMetrics? metrics, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        try
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            await source.OpenAsync(cancellationToken).ConfigureAwait(false);
            return Register(new SessionInput(source.Format, source.IsLive, source.Description), source, options, sessionId, metrics);
        }
        catch
        {
            await source.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>As <see cref="CreateSession"/>, with counters for the session's fan-out.</summary>
    internal StreamingSession CreateMeteredSession(SessionInput input, StreamingSessionOptions? options, string? sessionId, ISessionMetrics? metrics) =>
        Register(input, source: null, options, sessionId, metrics);

    private StreamingSession Register(SessionInput input, IAudioSource? source, StreamingSessionOptions? options, string? sessionId, ISessionMetrics? metrics)
    {
        ArgumentNullException.ThrowIfNull(input);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        input.Format.Validate();
        options ??= StreamingSessionOptions.Default;
        options.Validate();
        var id = sessionId ?? NewSessionId();
        if (_sessions.ContainsKey(id))
        {
            throw new SessionIdTakenException(id);
        }

        var session = new StreamingSession(id, input, source, Scheduler, options, metrics, _sessionLogger);
        return _sessions.TryAdd(id, session) ? session : throw new SessionIdTakenException(id);
    }

    /// <summary>
    /// A new session id that nobody can guess or claim in advance: <c>s-</c> and 24 hex digits (96 random bits), so that a
    /// client can neither follow a session it was not told about nor take the id of the next one.
    /// </summary>
    internal static string NewSessionId() => "s-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
}

/// <summary>A session with the requested id is already running.</summary>
/// <param name="sessionId">The id.</param>
public sealed class SessionIdTakenException(string sessionId)
    : ArgumentException($"A session with id '{sessionId}' is already running; choose another id, or none to get a new one.")
{
    /// <summary>The id that is taken.</summary>
    public string SessionId { get; } = sessionId;
}
