using System.Management.Automation;
using Kai.Native;

namespace Kai.PowerShell.Cmdlets;

/// <summary>Maps engine failures to PowerShell ErrorRecords.</summary>
internal static class ErrorRecords
{
    public static ErrorRecord From(KaiException exception)
    {
        var record = new ErrorRecord(exception, exception.ErrorId, Category(exception.Kind), exception.Target);
        if (exception.RecommendedAction is { } action)
            record.ErrorDetails = new ErrorDetails(exception.Message) { RecommendedAction = action };
        return record;
    }

    public static ErrorRecord Create(string errorId, ErrorCategory category, string message, object? target) =>
        new(new KaiException(errorId, KaiErrorKind.InvalidArgument, message, target), errorId, category, target);

    public static ErrorCategory Category(KaiErrorKind kind) => kind switch
    {
        KaiErrorKind.InvalidArgument => ErrorCategory.InvalidArgument,
        KaiErrorKind.InvalidData => ErrorCategory.InvalidData,
        KaiErrorKind.ObjectNotFound => ErrorCategory.ObjectNotFound,
        KaiErrorKind.ResourceExists => ErrorCategory.ResourceExists,
        KaiErrorKind.PermissionDenied => ErrorCategory.PermissionDenied,
        KaiErrorKind.NotInstalled => ErrorCategory.NotInstalled,
        KaiErrorKind.ResourceUnavailable => ErrorCategory.ResourceUnavailable,
        KaiErrorKind.InvalidOperation => ErrorCategory.InvalidOperation,
        KaiErrorKind.OperationTimeout => ErrorCategory.OperationTimeout,
        KaiErrorKind.OperationStopped => ErrorCategory.OperationStopped,
        KaiErrorKind.SecurityError => ErrorCategory.SecurityError,
        KaiErrorKind.WriteError => ErrorCategory.WriteError,
        KaiErrorKind.ConnectionError => ErrorCategory.ConnectionError,
        KaiErrorKind.AuthenticationError => ErrorCategory.AuthenticationError,
        _ => ErrorCategory.NotSpecified,
    };
}
