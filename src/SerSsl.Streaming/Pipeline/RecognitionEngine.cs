using System.Collections.Concurrent;
using System.Globalization;
using SerSsl.Core.Models;
using SerSsl.Streaming.Inference;
using SerSsl.Streaming.Sources;

namespace SerSsl.Streaming.Pipeline;

/// <summary>
/// The shared part of the streaming engine: one model in ONNX Runtime, one inference scheduler, and the sessions that
/// feed it. Create one per process; start a session per audio stream.
/// </summary>
public sealed class RecognitionEngine : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, StreamingSession> _sessions = new(StringComparer.Ordinal);
    private long _nextSession;
    private int _disposed;

    private RecognitionEngine(OnnxEmotionModel model)
    {
        Model = model;
        Scheduler = new InferenceScheduler(model);
    }

    /// <summary>The model.</summary>
    public OnnxEmotionModel Model { get; }

    /// <summary>The inference scheduler all sessions share.</summary>
    public InferenceScheduler Scheduler { get; }

    /// <summary>The model bundle.</summary>
    public ModelBundle Bundle => Model.Bundle;

    /// <summary>The sessions running or finished and not yet removed.</summary>
    public IReadOnlyCollection<StreamingSession> Sessions => [.. _sessions.Values];

    /// <summary>Loads a bundle folder and starts the scheduler.</summary>
    /// <param name="bundleDirectory">A model bundle folder.</param>
    /// <param name="options">Inference options; defaults when null.</param>
    /// <returns>The engine.</returns>
    /// <exception cref="ModelBundleException">The bundle is missing or invalid.</exception>
    /// <exception cref="InferenceException">ONNX Runtime cannot run it as asked.</exception>
    public static RecognitionEngine Create(string bundleDirectory, InferenceOptions? options = null) => Create(ModelBundle.Load(bundleDirectory), options);

    /// <summary>Starts an engine on a loaded bundle.</summary>
    /// <param name="bundle">The bundle.</param>
    /// <param name="options">Inference options; defaults when null.</param>
    /// <returns>The engine.</returns>
    /// <exception cref="InferenceException">ONNX Runtime cannot run the bundle as asked.</exception>
    public static RecognitionEngine Create(ModelBundle bundle, InferenceOptions? options = null) => new(OnnxEmotionModel.Load(bundle, options));

    /// <summary>Opens a source and starts a session on it.</summary>
    /// <param name="source">The audio; the session owns it from now on and disposes it.</param>
    /// <param name="options">Session options; defaults when null.</param>
    /// <param name="sessionId">A unique id; null generates <c>s1</c>, <c>s2</c>, ...</param>
    /// <param name="cancellationToken">Cancels opening the source.</param>
    /// <returns>The running session.</returns>
    /// <exception cref="AudioSourceException">The source cannot be opened.</exception>
    /// <exception cref="ArgumentException">The id is taken or the options are invalid.</exception>
    public Task<StreamingSession> StartSessionAsync(IAudioSource source, StreamingSessionOptions? options = null, string? sessionId = null, CancellationToken cancellationToken = default) =>
        StartSessionAsync(source, options, sessionId, attach: null, cancellationToken);

    /// <summary>
    /// Opens a source and starts a session on it, calling <paramref name="attach"/> before the pipeline runs. The
    /// session's observables are hot: subscribe in <paramref name="attach"/> to see every estimate from the first.
    /// </summary>
    /// <param name="source">The audio; the session owns it from now on and disposes it.</param>
    /// <param name="options">Session options; defaults when null.</param>
    /// <param name="sessionId">A unique id; null generates one.</param>
    /// <param name="attach">
    /// Called with the created session before its source is opened, so that observers subscribed there miss nothing
    /// (a server's fan-out hub); null for none.
    /// </param>
    /// <param name="cancellationToken">Cancels opening the source.</param>
    /// <returns>The running session.</returns>
    /// <exception cref="AudioSourceException">The source cannot be opened.</exception>
    /// <exception cref="ArgumentException">The id is taken or the options are invalid.</exception>
    public async Task<StreamingSession> StartSessionAsync(IAudioSource source, StreamingSessionOptions? options, string? sessionId, Action<StreamingSession>? attach, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        options ??= StreamingSessionOptions.Default;
        options.Validate();
        var id = sessionId ?? string.Create(CultureInfo.InvariantCulture, $"s{Interlocked.Increment(ref _nextSession)}");
        var session = new StreamingSession(id, source, Scheduler, options);
        if (!_sessions.TryAdd(id, session))
        {
            throw new ArgumentException($"A session with id '{id}' already exists.", nameof(sessionId));
        }

        try
        {
            attach?.Invoke(session);
            await session.StartAsync(cancellationToken).ConfigureAwait(false);
            return session;
        }
        catch
        {
            _sessions.TryRemove(id, out _);
            await source.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

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
}
