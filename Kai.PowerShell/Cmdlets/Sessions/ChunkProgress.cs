using Kai.Native.Sessions;

namespace Kai.PowerShell.Cmdlets.Sessions;

/// <summary>Calls back on the reporting thread, in order (Progress&lt;T&gt; would reorder through the thread pool).</summary>
internal sealed class ChunkProgress(Action<OutputChunk> report) : IProgress<OutputChunk>
{
    public void Report(OutputChunk value) => report(value);
}
