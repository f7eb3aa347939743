using System.Text.Json;
using System.Threading.Channels;
using Kai.Native;
using Kai.Native.Service;
using Kai.Native.Sessions;
using Microsoft.AspNetCore.Http;

namespace Kai.Service.Api;

/// <summary>
/// Streams a command as NDJSON: one "output" line per chunk as it arrives, then the final "result" (or
/// "approval") line. Nothing is sent before the first event, so a failure before any output (unknown
/// session, bad request) is still an ordinary HTTP error status; after that, failures are an "error" line.
/// </summary>
public static class NdJsonStream
{
    public static async Task WriteAsync(HttpContext context, Func<IProgress<OutputChunk>, Task<StreamEvent>> work)
    {
        var channel = Channel.CreateUnbounded<StreamEvent>(new UnboundedChannelOptions { SingleReader = true });
        var progress = new ChannelProgress(channel.Writer);
        var running = Task.Run(async () =>
        {
            try
            {
                channel.Writer.TryWrite(await work(progress).ConfigureAwait(false));
                channel.Writer.TryComplete();
            }
            catch (Exception ex)
            {
                channel.Writer.TryComplete(ex);
            }
        });
        var started = false;
        try
        {
            await foreach (var item in channel.Reader.ReadAllAsync(CancellationToken.None))
            {
                if (!started)
                {
                    context.Response.StatusCode = StatusCodes.Status200OK;
                    context.Response.ContentType = ServiceHeaders.NdJson;
                    context.Response.Headers.CacheControl = "no-store";
                    started = true;
                }
                await WriteLineAsync(context, item);
            }
        }
        catch (KaiException ex) when (started)
        {
            await WriteLineAsync(context, new StreamEvent(StreamEvent.ErrorType, Error: ServiceErrors.ToError(ex)));
        }
        catch (Exception) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away: the command was cancelled through RequestAborted; let it finish quietly.
        }
        finally
        {
            await running.ConfigureAwait(false);
        }
    }

    private static async Task WriteLineAsync(HttpContext context, StreamEvent item)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(item, ServiceJson.Default.StreamEvent);
        await context.Response.Body.WriteAsync(bytes, context.RequestAborted);
        await context.Response.Body.WriteAsync("\n"u8.ToArray(), context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
    }

    private sealed class ChannelProgress(ChannelWriter<StreamEvent> writer) : IProgress<OutputChunk>
    {
        public void Report(OutputChunk value) => writer.TryWrite(new StreamEvent(StreamEvent.Output, value.Stream, value.Text));
    }
}
