namespace Kai.Native.Sandbox;

/// <summary>
/// Picks the backend for a <see cref="SandboxKind"/>. Fails closed: a backend that cannot run here is a
/// <see cref="KaiException"/> naming the cause and the fix, never a silent fallback to no sandbox.
/// (The sandbox work completes this: bubblewrap, sandbox-exec, KAI_SANDBOX=off.)
/// </summary>
public static class SandboxBackends
{
    public static ISandboxBackend Resolve(SandboxKind kind) => kind switch
    {
        SandboxKind.None => NoSandboxBackend.Instance,
        _ => throw new KaiException("SandboxUnavailable", KaiErrorKind.ResourceUnavailable,
            $"The {kind} sandbox backend is not built yet.", kind.ToString()),
    };
}
