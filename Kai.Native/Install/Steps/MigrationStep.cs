using Kai.Native.IO;
using Kai.Native.Platform;
using Kai.Native.Store;
using Microsoft.Data.Sqlite;

namespace Kai.Native.Install;

/// <summary>
/// First protected install: moves a development layout's kai.db and logs/ into the data directory. The database
/// is integrity-checked, copied with SQLite's backup API (a consistent snapshot even in WAL mode), checked again,
/// then renamed into place only if none is there; log files are copied only where absent. Existing data is never
/// overwritten. A marker written after success makes this run once.
/// </summary>
public sealed class MigrationStep(string devDirectory, string dataDirectory, FileOwner serviceOwner)
    : InstallStep("MigrateData", dataDirectory, $"Migrate kai.db and logs/ from the development layout {devDirectory} (never overwriting)")
{
    private static readonly UnixFileMode FileMode644 = (UnixFileMode)0b110_100_100;
    private static readonly UnixFileMode DirMode755 = (UnixFileMode)0b111_101_101;

    private string SourceDb => Path.Combine(devDirectory, "kai.db");
    private string SourceLogs => Path.Combine(devDirectory, "logs");
    private string TargetDb => Path.Combine(Target, "kai.db");
    private string TargetLogs => Path.Combine(Target, "logs");
    private string Marker => Path.Combine(Target, InstallLayout.MigrationMarkerFileName);

    public override StepState Test(InstallContext context)
    {
        if (File.Exists(Marker)) return StepState.Ok("already migrated on the first install");
        if (!File.Exists(SourceDb) && !Directory.Exists(SourceLogs)) return StepState.Ok("no development data to migrate");
        return StepState.Change("first install: development data not migrated yet");
    }

    public override string Apply(InstallContext context)
    {
        var done = new List<string>();
        var owner = context.EnforceOwnership ? (serviceOwner.Uid, serviceOwner.Gid) : ((uint, uint)?)null;
        if (File.Exists(SourceDb))
        {
            if (File.Exists(TargetDb))
            {
                done.Add("kai.db kept (already in the data directory)");
            }
            else
            {
                MigrateDatabase(owner);
                done.Add("kai.db migrated");
            }
        }
        if (Directory.Exists(SourceLogs))
        {
            Directory.CreateDirectory(TargetLogs);
            int copied = 0, kept = 0;
            foreach (var source in Directory.EnumerateFiles(SourceLogs, "*", SearchOption.AllDirectories))
            {
                if (new FileInfo(source).LinkTarget is not null) continue;
                var relative = Path.GetRelativePath(SourceLogs, source);
                var target = Path.Combine(TargetLogs, relative);
                if (File.Exists(target))
                {
                    kept++;
                    continue;
                }
                var parent = Path.GetDirectoryName(target)!;
                if (!Directory.Exists(parent))
                {
                    Directory.CreateDirectory(parent, DirMode755);
                    PathState.SetOwnerAndMode(parent, serviceOwner, DirMode755, context.EnforceOwnership);
                }
                AtomicFile.Copy(source, target, FileMode644, owner);
                copied++;
            }
            done.Add($"logs: {copied} copied, {kept} kept");
        }
        AtomicFile.WriteAllText(Marker, $"migrated from {devDirectory} at {DateTimeOffset.UtcNow:O}\n", FileMode644, owner);
        return string.Join("; ", done.DefaultIfEmpty("nothing to migrate"));
    }

    private void MigrateDatabase((uint, uint)? owner)
    {
        string check;
        try
        {
            check = KaiDatabase.IntegrityCheck(SourceDb);
        }
        catch (SqliteException ex)
        {
            check = ex.Message;
        }
        if (check != "ok")
            throw new KaiException("MigrationSourceCorrupt", KaiErrorKind.InvalidData,
                $"{SourceDb} fails its integrity check ({check}); it was not migrated. Repair it (sqlite3 {SourceDb} .recover) or move it away, then re-run.", SourceDb);
        var temp = Path.Combine(Target, $".kai.db.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var source = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = SourceDb, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString()))
            using (var destination = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = temp, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false }.ToString()))
            {
                source.Open();
                destination.Open();
                source.BackupDatabase(destination);
            }
            var copyCheck = KaiDatabase.IntegrityCheck(temp);
            if (copyCheck != "ok")
                throw new KaiException("MigrationFailed", KaiErrorKind.InvalidData, $"The copy of {SourceDb} fails its integrity check ({copyCheck}).", SourceDb);
            File.SetUnixFileMode(temp, FileMode644);
            if (owner is { } o) UnixFiles.Chown(temp, o.Item1, o.Item2);
            // overwrite: false: a kai.db that appeared meanwhile wins.
            File.Move(temp, TargetDb, overwrite: false);
            UnixFiles.FSyncDirectory(Target);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }
}
