using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;

namespace Kai.Native.Store;

/// <summary>
/// One background thread that owns a connection and applies queued writes in batches (group commit).
/// A write that nobody waits for is held for up to <see cref="BatchDelay"/> so a burst of commands — from
/// one session or a hundred — costs one transaction instead of one each, and the hot path never wakes
/// the database thread. An urgent write (someone awaits it: an acknowledged command, a flush) starts a
/// batch at once. Each write runs in a savepoint, so one bad write cannot take the batch with it.
/// </summary>
internal sealed class StoreWriter : IDisposable
{
    /// <summary>How long a write nobody waits for may sit in the queue.</summary>
    public static readonly TimeSpan BatchDelay = TimeSpan.FromMilliseconds(5);

    private const int MaxBatch = 4096;
    private readonly KaiDatabase _database;
    private readonly ConcurrentQueue<Operation> _queue = new();
    private readonly SemaphoreSlim _wake = new(0, int.MaxValue);
    private readonly Timer _timer;
    private readonly Thread _thread;
    private readonly Dictionary<string, SqliteCommand> _prepared = new(StringComparer.Ordinal);
    private readonly object _applying = new();
    private SqliteConnection? _connection;
    private Exception? _failure;
    private int _armed;
    private volatile bool _stopping;
    private volatile bool _aborted;

    public StoreWriter(KaiDatabase database, string name)
    {
        _database = database;
        _timer = new Timer(_ => Wake(), null, Timeout.Infinite, Timeout.Infinite);
        _thread = new Thread(Run) { IsBackground = true, Name = name };
        _thread.Start();
    }

    /// <summary>The last write that failed (writes go on; the store reports it rather than losing it silently).</summary>
    public Exception? LastFailure => Volatile.Read(ref _failure);

    /// <summary>Queues a write; the task completes once it is committed (or failed).</summary>
    /// <param name="urgent">Commit as soon as possible (the caller awaits it) rather than within <see cref="BatchDelay"/>.</param>
    public Task Enqueue(Action<WriteContext> write, bool urgent = false)
    {
        if (_aborted) return Task.CompletedTask;
        var operation = new Operation(write, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        if (_stopping)
        {
            // Shut down: apply inline so nothing is lost.
            lock (_applying) ApplyBatch([operation]);
            return operation.Completion.Task;
        }
        _queue.Enqueue(operation);
        if (urgent) Wake();
        else if (Interlocked.Exchange(ref _armed, 1) == 0) _timer.Change(BatchDelay, Timeout.InfiniteTimeSpan);
        return operation.Completion.Task;
    }

    /// <summary>Completes once everything queued before the call is committed.</summary>
    public Task FlushAsync() => Enqueue(static _ => { }, urgent: true);

    private void Wake()
    {
        // One pending wake is enough: the thread drains the whole queue each time.
        if (_wake.CurrentCount == 0) _wake.Release();
    }

    private void Run()
    {
        var batch = new List<Operation>(64);
        while (true)
        {
            _wake.Wait();
            Volatile.Write(ref _armed, 0);
            while (true)
            {
                batch.Clear();
                while (batch.Count < MaxBatch && _queue.TryDequeue(out var next)) batch.Add(next);
                if (batch.Count == 0) break;
                lock (_applying) ApplyBatch(batch);
            }
            if (_stopping && _queue.IsEmpty) return;
        }
    }

    private void ApplyBatch(List<Operation> batch)
    {
        if (_aborted)
        {
            foreach (var operation in batch) operation.Completion.TrySetResult();
            return;
        }
        try
        {
            _connection ??= _database.Open();
            using var transaction = _connection.BeginTransaction(deferred: false);
            var context = new WriteContext(this, transaction);
            var failed = new Dictionary<Operation, Exception>();
            foreach (var operation in batch)
            {
                Execute(transaction, "SAVEPOINT w");
                try
                {
                    operation.Write(context);
                    Execute(transaction, "RELEASE w");
                }
                catch (Exception e) when (e is SqliteException or InvalidOperationException or ArgumentException)
                {
                    Execute(transaction, "ROLLBACK TO w");
                    Execute(transaction, "RELEASE w");
                    failed[operation] = e;
                }
            }
            context.RunBatchEnd();
            transaction.Commit();
            foreach (var operation in batch)
            {
                if (failed.TryGetValue(operation, out var failure))
                {
                    Volatile.Write(ref _failure, failure);
                    operation.Completion.TrySetException(failure);
                }
                else
                {
                    operation.Completion.TrySetResult();
                }
            }
        }
        catch (Exception e)
        {
            Volatile.Write(ref _failure, e);
            ResetConnection();
            foreach (var operation in batch) operation.Completion.TrySetException(e);
        }
    }

    private void Execute(SqliteTransaction transaction, string sql)
    {
        var command = Prepared(transaction, sql);
        command.Parameters.Clear();
        command.ExecuteNonQuery();
    }

    internal SqliteCommand Prepared(SqliteTransaction transaction, string sql)
    {
        if (!_prepared.TryGetValue(sql, out var command))
        {
            command = _connection!.CreateCommand();
            command.CommandText = sql;
            _prepared[sql] = command;
        }
        command.Transaction = transaction;
        return command;
    }

    private void ResetConnection()
    {
        foreach (var command in _prepared.Values) command.Dispose();
        _prepared.Clear();
        _connection?.Dispose();
        _connection = null;
    }

    /// <summary>Tests: behave like a process that died — nothing queued or later is written.</summary>
    internal void Abort()
    {
        _aborted = true;
        Dispose();
    }

    public void Dispose()
    {
        if (_stopping) return;
        _stopping = true;
        _timer.Dispose();
        _wake.Release();
        _thread.Join(TimeSpan.FromSeconds(10));
        lock (_applying)
        {
            // Anything that slipped in while stopping.
            var rest = new List<Operation>();
            while (_queue.TryDequeue(out var next)) rest.Add(next);
            if (rest.Count > 0) ApplyBatch(rest);
            ResetConnection();
        }
    }

    private sealed record Operation(Action<WriteContext> Write, TaskCompletionSource Completion);
}

/// <summary>What a queued write gets: prepared, cached commands inside the batch's transaction.</summary>
internal sealed class WriteContext(StoreWriter writer, SqliteTransaction transaction)
{
    private Dictionary<string, Action<WriteContext>>? _batchEnd;

    public SqliteTransaction Transaction => transaction;

    public SqliteCommand Command(string sql, params (string Name, object? Value)[] parameters)
    {
        var command = writer.Prepared(transaction, sql);
        command.Parameters.Clear();
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return command;
    }

    public int Execute(string sql, params (string Name, object? Value)[] parameters) => Command(sql, parameters).ExecuteNonQuery();

    public object? Scalar(string sql, params (string Name, object? Value)[] parameters) => Command(sql, parameters).ExecuteScalar();

    /// <summary>Runs <paramref name="action"/> once at the end of the batch, however often it is registered under <paramref name="key"/>.</summary>
    public void AtBatchEnd(string key, Action<WriteContext> action)
    {
        _batchEnd ??= new Dictionary<string, Action<WriteContext>>(StringComparer.Ordinal);
        _batchEnd.TryAdd(key, action);
    }

    internal void RunBatchEnd()
    {
        if (_batchEnd is null) return;
        foreach (var action in _batchEnd.Values) action(this);
        _batchEnd = null;
    }
}
