using System.Collections;
using System.Management.Automation;
using Kai.Native.Sessions;

namespace Kai.PowerShell.Cmdlets.Sessions;

/// <summary>
/// Lets a -Session parameter take a session object or a name: SessionInfo (and the other session records
/// that carry a session name) become their name, strings pass through, arrays are mapped item by item.
/// Applies to pipeline input too, so `Get-KaiSession b* | Stop-KaiSession` binds.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class SessionNameTransformationAttribute : ArgumentTransformationAttribute
{
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData) =>
        ReferenceTransform.Map(inputData, static item => item switch
        {
            SessionInfo session => session.Name,
            ExecResult result => result.Session,
            BackgroundProcessInfo process => process.Session,
            SessionTranscript transcript => transcript.Session,
            CommandRecord record => record.Session,
            _ => null,
        });
}

/// <summary>
/// Lets an -Id parameter take a background process object or its id: BackgroundProcessInfo, BackgroundOutput,
/// and an ExecResult that moved to the background (-OnTimeout Background) become the id.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class BackgroundProcessIdTransformationAttribute : ArgumentTransformationAttribute
{
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData) =>
        ReferenceTransform.Map(inputData, static item => item switch
        {
            BackgroundProcessInfo process => process.Id,
            BackgroundOutput output => output.Id,
            ExecResult { BackgroundProcessId: { } id } => id,
            _ => null,
        });
}

internal static class ReferenceTransform
{
    public static object? Map(object? input, Func<object, string?> reference)
    {
        var value = Unwrap(input);
        if (value is null or string) return value;
        if (reference(value) is { } name) return name;
        if (value is IEnumerable items)
        {
            var mapped = new List<object?>();
            foreach (var item in items)
            {
                var element = Unwrap(item);
                mapped.Add(element is null ? null : reference(element) ?? element);
            }
            return mapped.ToArray();
        }
        return value; // anything else: PowerShell's own conversion decides
    }

    private static object? Unwrap(object? value) => value is PSObject wrapped ? wrapped.BaseObject : value;
}
