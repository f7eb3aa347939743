using Kai.Native.Platform;

namespace Kai.Native.Install;

/// <summary>visudo -cf: a sudoers file is only ever moved into place after visudo accepted it.</summary>
public static class Sudoers
{
    public static string FindVisudo(string? configured = null) =>
        configured ?? ProcessRunner.FindProgram("/usr/sbin/visudo", "/sbin/visudo", "/usr/bin/visudo")
        ?? throw new KaiException("VisudoNotFound", KaiErrorKind.NotInstalled, "visudo was not found: install sudo so the sudoers rules can be validated.", "visudo");

    /// <summary>Throws SudoersRejected (with visudo's words) unless visudo -cf accepts <paramref name="path"/>.</summary>
    public static void Validate(string path, string? visudo = null)
    {
        var program = FindVisudo(visudo);
        var output = ProcessRunner.Run(program, ["-c", "-f", path], TimeSpan.FromSeconds(30));
        if (!output.Succeeded)
            throw new KaiException("SudoersRejected", KaiErrorKind.InvalidData,
                $"visudo rejected the generated sudoers rules (exit {output.ExitCode}): {output.Diagnostic.Replace(path, "sudoers.d/kai", StringComparison.Ordinal)}. The installed file was left unchanged.",
                path)
            {
                RecommendedAction = "Check the user names and the claude path in install.conf / users.yaml, then re-run.",
            };
    }

    /// <summary>Validates <paramref name="content"/> in a private temp file (the dry-run/preflight check).</summary>
    public static void ValidateContent(byte[] content, string? visudo = null)
    {
        var directory = Directory.CreateTempSubdirectory("kai-sudoers-");
        try
        {
            var path = Path.Combine(directory.FullName, "kai");
            File.WriteAllBytes(path, content);
            File.SetUnixFileMode(path, (UnixFileMode)0b100_100_000);
            Validate(path, visudo);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
