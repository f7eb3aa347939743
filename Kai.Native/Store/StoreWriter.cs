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
    // Events that never spin: an idle store must not burn CPU next to the shells.
    private readonly ManualResetEventSlim _wake = new(false, 0);
    private readonly ManualResetEventSlim _urgent = new(false, 0);
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
        _thread = new Thread(Run) { IsBackground = true, Name = name };
        _thread.Start();
    }

    /// <summary>The last write that failed (writes go on; the store reports it rather than losing it silently).</summary>
    public Exception? LastFailure => Volatile.Read(ref _failure);

    /// <summary>Queues a write; the task completes once it is committed (or failed).</summary>
    /// <param name="urgent">Commit as soon as possible rather than within <see cref="BatchDelay"/>.</param>
    /// <param name="awaited">The caller waits for the commit: when nobody else is writing, commit on the caller's thread.</param>
    public Task Enqueue(Action<WriteContext> write, bool urgent = false, bool awaited = false)
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
        if (urgent && awaited && Monitor.TryEnter(_applying))
        {
            // Nobody is writing: commit right here (with whatever else is queued) instead of handing over to
            // the writer thread and back — the caller is waiting for this anyway.
            try
            {
                DrainInline();
            }
            finally
            {
                Monitor.Exit(_applying);
            }
            if (operation.Completion.Task.IsCompleted) return operation.Completion.Task;
        }
        if (urgent) _urgent.Set();
        // The first write after a quiet spell wakes the thread, which then gives the batch BatchDelay to fill.
        if (Interlocked.Exchange(ref _armed, 1) == 0) _wake.Set();
        return operation.Completion.Task;
    }

    /// <summary>Completes once everything queued before the call is committed.</summary>
    public Task FlushAsync() => Enqueue(static _ => { }, urgent: true, awaited: true);

    private void Run()
    {
        var batch = new List<Operation>(64);
        while (true)
        {
            _wake.Wait();
            _wake.Reset();
            // Let the batch fill, unless someone is waiting for a write (or we are stopping).
            if (!_stopping) _urgent.Wait(BatchDelay);
            _urgent.Reset();
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

    private void DrainInline()
    {
        var batch = new List<Operation>();
        while (batch.Count < MaxBatch && _queue.TryDequeue(out var next)) batch.Add(next);
        if (batch.Count > 0) ApplyBatch(batch);
    }

    private void ApplyBatch(List<Operation> batch)
    {
        if (_aborted)
        {
            foreach (var operation in batch) operation.Completion.TrySetResult();
            return;
        }
        // The whole batch in one transaction; only if something in it fails, each write again on its own,
        // so one bad write cannot take the others with it.
        if (batch.Count > 1 && TryCommit(batch, out _))
        {
            foreach (var operation in batch) operation.Completion.TrySetResult();
            return;
        }
        foreach (var operation in batch)
        {
            if (TryCommit([operation], out var failure)) operation.Completion.TrySetResult();
            else
            {
                Volatile.Write(ref _failure, failure);
                operation.Completion.TrySetException(failure!);
            }
        }
    }

    private bool TryCommit(List<Operation> operations, out Exception? failure)
    {
        failure = null;
        SqliteTransaction? transaction = null;
        WriteContext? context = null;
        try
        {
            _connection ??= _database.Open();
            transaction = _connection.BeginTransaction(deferred: false);
            context = new WriteContext(this, transaction);
            foreach (var operation in operations) operation.Write(context);
            context.RunBatchEnd();
            transaction.Commit();
            return true;
        }
        catch (Exception e) when (e is SqliteException or InvalidOperationException or ArgumentException or InvalidCastException)
        {
            failure = e;
            context?.RunAbort();
            try
            {
                transaction?.Rollback();
            }
            catch (SqliteException)
            {
                ResetConnection();
            }
            return false;
        }
        finally
        {
            transaction?.Dispose();
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
        _urgent.Set();
        _wake.Set();
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
        var existing = command.Parameters;
        if (existing.Count == parameters.Length)
        {
            // The same statement again: rebind values, keep the parameter objects.
            for (var i = 0; i < parameters.Length; i++) existing[i].Value = parameters[i].Value ?? DBNull.Value;
            return command;
        }
        existing.Clear();
        foreach (var (name, value) in parameters) existing.AddWithValue(name, value ?? DBNull.Value);
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

    /// <summary>Runs <paramref name="action"/> if the batch is rolled back (to forget state gathered for it).</summary>
    public void AtAbort(string key, Action action)
    {
        _abort ??= new Dictionary<string, Action>(StringComparer.Ordinal);
        _abort.TryAdd(key, action);
    }

    private Dictionary<string, Action>? _abort;

    internal void RunAbort()
    {
        if (_abort is null) return;
        foreach (var action in _abort.Values) action();
        _abort = null;
    }

    internal void RunBatchEnd()
    {
        if (_batchEnd is null) return;
        foreach (var action in _batchEnd.Values) action(this);
        _batchEnd = null;
    }
}
