using Microsoft.Extensions.Logging;

namespace Kai.Service.Logging;

/// <summary>Warnings and errors to stderr (the journal under systemd), redacted like the file log.</summary>
public sealed class StderrLoggerProvider(TextWriter writer, SecretRedactor redactor, LogLevel minimum = LogLevel.Warning) : ILoggerProvider
{
    private readonly object _gate = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(StderrLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => logLevel >= owner.Minimum && logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            var line = owner.Redactor.Redact($"kai serve: {logLevel.ToString().ToLowerInvariant()}: {category}: {formatter(state, exception)}" +
                (exception is null ? "" : $" ({exception.GetType().Name}: {exception.Message})"));
            lock (owner._gate) owner.Writer.WriteLine(line.Replace('\n', ' '));
        }
    }

    private LogLevel Minimum => minimum;
    private SecretRedactor Redactor => redactor;
    private TextWriter Writer => writer;
}
