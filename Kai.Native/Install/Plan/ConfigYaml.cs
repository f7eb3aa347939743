using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Kai.Native.Install;

/// <summary>Checks a yaml file before it is installed: a malformed file is one error with file, line and column.</summary>
public static class ConfigYaml
{
    public static void Validate(string path, byte[] content)
    {
        var name = Path.GetFileName(path);
        try
        {
            if (name == "users.yaml")
            {
                UsersYaml.Load(path);
                return;
            }
            var stream = new YamlStream();
            using var reader = new StringReader(System.Text.Encoding.UTF8.GetString(content));
            stream.Load(reader);
        }
        catch (YamlException ex)
        {
            throw new KaiException("ConfigYamlInvalid", KaiErrorKind.InvalidData,
                $"{path}, line {ex.Start.Line}, column {ex.Start.Column}: {ex.Message}", path, ex);
        }
    }
}
