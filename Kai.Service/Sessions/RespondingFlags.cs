using System.Text.Json;

namespace Kai.Service.Sessions;

/// <summary>A command that was running when the service died.</summary>
public sealed record InterruptedCommand(string RequestId, string Session, string Command, DateTimeOffset Started);

/// <summary>
/// Crash recovery (seed: data/.responding/): a flag file per command in flight, written before it
/// starts and removed when its result is recorded. Flags still present at boot are commands the previous
/// process never finished: they are reported as interrupted and cleared.
/// </summary>
public sealed class RespondingFlags
{
    private readonly string _directory;

    public RespondingFlags(string dataDirectory)
    {
        _directory = Path.Combine(dataDirectory, ".responding");
        Directory.CreateDirectory(_directory);
    }

    public void Raise(string requestId, string session, string command)
    {
        // One create+write, no fsync: the flag must survive the process (kill -9, a crash), which the page cache
        // guarantees; an fsync or a rename per command would only add power-loss safety at a cost in throughput.
        // A flag torn by a crash still counts at boot (see Collect).
        var json = JsonSerializer.SerializeToUtf8Bytes(new Flag(requestId, session, command, DateTimeOffset.UtcNow));
        using var stream = new FileStream(PathOf(requestId), new FileStreamOptions
        {
            Mode = FileMode.Create,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            BufferSize = 0,
        });
        stream.Write(json);
    }

    public void Lower(string requestId)
    {
        try
        {
            File.Delete(PathOf(requestId));
        }
        catch (IOException)
        {
        }
    }

    /// <summary>At boot: the flags the previous process left, removed as they are read.</summary>
    public IReadOnlyList<InterruptedCommand> Collect()
    {
        var list = new List<InterruptedCommand>();
        foreach (var file in Directory.EnumerateFiles(_directory, "*.json"))
        {
            try
            {
                if (JsonSerializer.Deserialize<Flag>(File.ReadAllText(file)) is { } flag)
                    list.Add(new InterruptedCommand(flag.RequestId, flag.Session, flag.Command, flag.Started));
            }
            catch (JsonException)
            {
                // A flag torn by the crash still means "something was running"; its details are gone.
                list.Add(new InterruptedCommand(Path.GetFileNameWithoutExtension(file), "?", "?", File.GetLastWriteTimeUtc(file)));
            }
            File.Delete(file);
        }
        return list;
    }

    private string PathOf(string requestId) => Path.Combine(_directory, requestId + ".json");

    private sealed record Flag(string RequestId, string Session, string Command, DateTimeOffset Started);
}
