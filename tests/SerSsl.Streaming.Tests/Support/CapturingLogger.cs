using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace SerSsl.Streaming.Tests.Support;

/// <summary>One captured log event.</summary>
internal sealed record LoggedEvent(string Category, LogLevel Level, EventId Id, string Message, Exception? Exception, IReadOnlyDictionary<string, object?> Fields);

/// <summary>A logger provider that keeps every event, for asserting on what the code logs.</summary>
internal sealed class CapturingLoggerProvider : ILoggerProvider
{
    private readonly ConcurrentQueue<LoggedEvent> _events = new();

    public IReadOnlyList<LoggedEvent> Events => [.. _events];

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _events);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<LoggedEvent> events) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var fields = state is IEnumerable<KeyValuePair<string, object?>> pairs ? pairs.ToDictionary(p => p.Key, p => p.Value) : [];
            events.Enqueue(new LoggedEvent(category, logLevel, eventId, formatter(state, exception), exception, fields));
        }
    }
}
