using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;

namespace Kai.Native.Store;

/// <summary>
/// One background thread that owns a connection and applies queued writes in batches: every write
/// waiting when a batch starts goes into the same transaction (group commit), so a burst of commands
/// from many sessions costs one commit, and nobody waits for the database on the hot path unless they
/// ask to (<see cref="Enqueue"/> returns a task that completes once the write is committed).
/// </summary>
internal sealed class StoreWriter : IDisposable
{
    private const int MaxBatch = 512;
    private readonly KaiDatabase _database;
    private readonly BlockingCollection<Operation> _queue = new(new ConcurrentQueue<Operation>());
    private readonly Thread _thread;
    private readonly Dictionary<string, SqliteCommand> _prepared = new(StringComparer.Ordinal);
    private SqliteConnection? _connection;
    private Exception? _failure;
    private volatile bool _aborted;

    public StoreWriter(KaiDatabase database, string name)
    {
        _database = database;
        _thread = new Thread(Run) { IsBackground = true, Name = name };
        _thread.Start();
    }

    /// <summary>The last write that failed (writes go on; the store reports it rather than losing it silently).</summary>
    public Exception? LastFailure => Volatile.Read(ref _failure);

    public Task Enqueue(Action<WriteContext> write)
    {
        if (_aborted) return Task.CompletedTask;
        var operation = new Operation(write, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        try
        {
            _queue.Add(operation);
        }
        catch (InvalidOperationException)
        {
            // Shut down: apply inline so nothing is lost.
            lock (_queue) ApplyBatch([operation]);
        }
        return operation.Completion.Task;
    }

    /// <summary>Completes once everything queued before the call is committed.</summary>
    public Task FlushAsync() => Enqueue(static _ => { });

    private void Run()
    {
        var batch = new List<Operation>(MaxBatch);
        foreach (var first in _queue.GetConsumingEnumerable())
        {
            batch.Clear();
            batch.Add(first);
            while (batch.Count < MaxBatch && _queue.TryTake(out var next)) batch.Add(next);
            lock (_queue) ApplyBatch(batch);
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
            var failed = new List<(Operation, Exception)>();
            foreach (var operation in batch)
            {
                // One bad write must not take the rest of the batch with it.
                using var savepoint = Savepoint(transaction);
                try
                {
                    operation.Write(context);
                    savepoint.Release();
                }
                catch (Exception e) when (e is SqliteException or InvalidOperationException or ArgumentException)
                {
                    savepoint.Rollback();
                    failed.Add((operation, e));
                }
            }
            transaction.Commit();
            foreach (var operation in batch)
            {
                var failure = failed.FirstOrDefault(f => ReferenceEquals(f.Item1, operation)).Item2;
                if (failure is null) operation.Completion.TrySetResult();
                else
                {
                    Volatile.Write(ref _failure, failure);
                    operation.Completion.TrySetException(failure);
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

    private SavepointScope Savepoint(SqliteTransaction transaction)
    {
        Execute(transaction, "SAVEPOINT w");
        return new SavepointScope(this, transaction);
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
        _queue.CompleteAdding();
        _thread.Join(TimeSpan.FromSeconds(10));
        lock (_queue) ResetConnection();
    }

    private sealed record Operation(Action<WriteContext> Write, TaskCompletionSource Completion);

    private sealed class SavepointScope(StoreWriter writer, SqliteTransaction transaction) : IDisposable
    {
        private bool _done;

        public void Release()
        {
            writer.Execute(transaction, "RELEASE w");
            _done = true;
        }

        public void Rollback()
        {
            writer.Execute(transaction, "ROLLBACK TO w");
            writer.Execute(transaction, "RELEASE w");
            _done = true;
        }

        public void Dispose()
        {
            if (!_done) Rollback();
        }
    }
}

/// <summary>What a queued write gets: prepared, cached commands inside the batch's transaction.</summary>
internal sealed class WriteContext(StoreWriter writer, SqliteTransaction transaction)
{
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
}
