using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Kai.Service.Logging;

/// <summary>
/// logs/kai.log, rotated daily to kai.log.yyyy-MM-dd (seed: "logs/ — daily rotation"); keeps
/// <see cref="RetainDays"/> old files. Every line passes the <see cref="SecretRedactor"/> first.
/// Mode 0640: the logs are the service's, not the world's.
/// </summary>
public sealed class DailyFileLogWriter : IDisposable
{
    public const string FileName = "kai.log";
    private readonly object _gate = new();
    private readonly string _directory;
    private readonly SecretRedactor _redactor;
    private readonly Func<DateTimeOffset> _clock;
    private StreamWriter? _writer;
    private DateOnly _day;

    public DailyFileLogWriter(string directory, SecretRedactor redactor, Func<DateTimeOffset>? clock = null, int retainDays = 14)
    {
        _directory = directory;
        _redactor = redactor;
        _clock = clock ?? (() => DateTimeOffset.Now);
        RetainDays = retainDays;
        Directory.CreateDirectory(directory);
    }

    public int RetainDays { get; }
    public string CurrentPath => Path.Combine(_directory, FileName);

    public void Write(string level, string category, string message, Exception? exception = null)
    {
        var now = _clock();
        var line = new StringBuilder()
            .Append(now.ToString("yyyy-MM-dd'T'HH:mm:ss.fffzzz", CultureInfo.InvariantCulture)).Append(' ')
            .Append(level).Append(' ').Append(category).Append(": ").Append(message);
        if (exception is not null) line.Append(" | ").Append(exception.GetType().Name).Append(": ").Append(exception.Message);
        var text = _redactor.Redact(line.ToString().Replace('\n', ' ').Replace('\r', ' '));
        lock (_gate)
        {
            try
            {
                EnsureWriter(DateOnly.FromDateTime(now.LocalDateTime));
                _writer!.WriteLine(text);
                _writer.Flush();
            }
            catch (IOException)
            {
                // A full or read-only disk must not take the service down; stderr still gets the line.
            }
        }
    }

    private void EnsureWriter(DateOnly today)
    {
        if (_writer is not null && today == _day) return;
        var path = CurrentPath;
        if (_writer is not null || File.Exists(path))
        {
            _writer?.Dispose();
            _writer = null;
            var lastDay = File.Exists(path) ? DateOnly.FromDateTime(File.GetLastWriteTime(path)) : today;
            if (lastDay < today) Rotate(path, lastDay);
        }
        var stream = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.Append,
            Access = FileAccess.Write,
            Share = FileShare.ReadWrite,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead,
        });
        _writer = new StreamWriter(stream, new UTF8Encoding(false));
        _day = today;
    }

    private void Rotate(string path, DateOnly day)
    {
        var target = $"{path}.{day:yyyy-MM-dd}";
        if (File.Exists(target)) target += "." + DateTime.Now.Ticks.ToString(CultureInfo.InvariantCulture);
        File.Move(path, target);
        var cutoff = DateOnly.FromDateTime(_clock().LocalDateTime).AddDays(-RetainDays);
        foreach (var old in RotatedFiles(_directory))
        {
            var suffix = Path.GetFileName(old)[(FileName.Length + 1)..];
            if (suffix.Length >= 10 && DateOnly.TryParseExact(suffix[..10], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) && d < cutoff)
                File.Delete(old);
        }
    }

    /// <summary>kai.log.* (the enumeration pattern alone would also match kai.log itself).</summary>
    public static IEnumerable<string> RotatedFiles(string directory) =>
        Directory.EnumerateFiles(directory, FileName + ".*").Where(f => Path.GetFileName(f).Length > FileName.Length + 1);

    public void Dispose()
    {
        lock (_gate)
        {
            _writer?.Dispose();
            _writer = null;
        }
    }
}

/// <summary>ILoggerProvider over <see cref="DailyFileLogWriter"/>.</summary>
public sealed class DailyFileLoggerProvider(DailyFileLogWriter writer, LogLevel minimum = LogLevel.Information) : ILoggerProvider
{
    private readonly ConcurrentDictionary<string, Logger> _loggers = new();

    public ILogger CreateLogger(string categoryName) => _loggers.GetOrAdd(categoryName, name => new Logger(writer, Shorten(name), minimum));

    public void Dispose() => writer.Dispose();

    private static string Shorten(string category) => category.StartsWith("Kai.Service.", StringComparison.Ordinal) ? category[12..] : category;

    private sealed class Logger(DailyFileLogWriter writer, string category, LogLevel minimum) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum && logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            writer.Write(Level(logLevel), category, formatter(state, exception), exception);
        }

        private static string Level(LogLevel level) => level switch
        {
            LogLevel.Trace => "TRACE",
            LogLevel.Debug => "DEBUG",
            LogLevel.Information => "INFO",
            LogLevel.Warning => "WARN",
            LogLevel.Error => "ERROR",
            _ => "FATAL",
        };
    }
}
