using Kai.Native;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Kai.Service.Api;

/// <summary>Every failure becomes a status code and a JSON {errorId, message, target} body; unexpected ones are logged, not leaked.</summary>
public sealed class ErrorMiddleware(RequestDelegate next, ILogger<ErrorMiddleware> logger, Logging.SecretRedactor redactor)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away.
        }
        catch (Exception ex) when (!context.Response.HasStarted)
        {
            var (status, error) = ex switch
            {
                BodyTooLargeException tooLarge => (StatusCodes.Status413PayloadTooLarge, (KaiException)tooLarge),
                KaiException kai => (Native.Service.ServiceErrors.StatusCode(kai.Kind), kai),
                BadHttpRequestException bad => (bad.StatusCode, new KaiException(bad.StatusCode == 413 ? "RequestBodyTooLarge" : "BadRequest",
                    KaiErrorKind.InvalidArgument, bad.Message, context.Request.Path.Value)),
                _ => (StatusCodes.Status500InternalServerError, new KaiException("ServiceInternalError", KaiErrorKind.InvalidOperation,
                    "The Kai service failed to handle this request; its log has the details.", context.Request.Path.Value)),
            };
            if (status >= 500) logger.LogError(ex, "{Method} {Path} failed", context.Request.Method, context.Request.Path.Value);
            // Messages can echo user input (a command, a path): redact before it leaves.
            var safe = new KaiException(error.ErrorId, error.Kind, redactor.Redact(error.Message), redactor.RedactNullable(error.Target?.ToString()))
            {
                RecommendedAction = error.RecommendedAction,
            };
            context.Response.Clear();
            await ApiResults.WriteErrorAsync(context, status, safe);
        }
    }
}
