using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Kai.Native;
using Kai.Native.Service;
using Microsoft.AspNetCore.Http;

namespace Kai.Service.Api;

/// <summary>Writing JSON answers and the {errorId, message, target} error body.</summary>
public static class ApiResults
{
    public static async Task WriteJsonAsync<T>(HttpContext context, T value, JsonTypeInfo<T> type, int status = StatusCodes.Status200OK)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        await JsonSerializer.SerializeAsync(context.Response.Body, value, type, context.RequestAborted);
    }

    public static Task WriteErrorAsync(HttpContext context, int status, KaiException error) =>
        WriteJsonAsync(context, ServiceErrors.ToError(error), ServiceJson.Default.ServiceError, status);

    public static Task WriteErrorAsync(HttpContext context, KaiException error) =>
        WriteErrorAsync(context, ServiceErrors.StatusCode(error.Kind), error);

    /// <summary>Reads a JSON body within the size limit: malformed → 400 MalformedJson, too large → 413 RequestBodyTooLarge.</summary>
    public static async Task<T> ReadJsonAsync<T>(HttpContext context, JsonTypeInfo<T> type, bool optional = false) where T : class
    {
        var limit = context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize;
        if (limit is { } max && context.Request.ContentLength > max) throw TooLarge(max);
        try
        {
            if (optional && context.Request.ContentLength is null or 0 && !context.Request.Headers.TransferEncoding.Any())
                return JsonSerializer.Deserialize("{}", type)!;
            var value = await JsonSerializer.DeserializeAsync(context.Request.Body, type, context.RequestAborted);
            return value ?? throw Malformed("the body is JSON null");
        }
        catch (JsonException ex)
        {
            throw Malformed(ex.Message);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw TooLarge(limit ?? 0);
        }
    }

    private static KaiException Malformed(string detail) =>
        new("MalformedJson", KaiErrorKind.InvalidArgument, $"The request body is not valid JSON for this call: {detail}", "body");

    public static KaiException TooLarge(long limit) =>
        new BodyTooLargeException($"The request body is larger than the limit of {limit} bytes.");
}

/// <summary>413: mapped apart from other invalid arguments.</summary>
public sealed class BodyTooLargeException(string message) : KaiException("RequestBodyTooLarge", KaiErrorKind.InvalidArgument, message, "body");
