using System.Runtime.InteropServices;
using System.Security;
using Kai.Native;

namespace Kai.PowerShell.Cmdlets;

/// <summary>SecureString (what Read-Host -AsSecureString gives) to the engine's <see cref="Secret"/>.</summary>
internal static class SecureStrings
{
    public static Secret? ToSecret(this SecureString? value)
    {
        if (value is null) return null;
        var pointer = Marshal.SecureStringToGlobalAllocUnicode(value);
        try
        {
            return new Secret(Marshal.PtrToStringUni(pointer) ?? "");
        }
        finally
        {
            Marshal.ZeroFreeGlobalAllocUnicode(pointer);
        }
    }
}
