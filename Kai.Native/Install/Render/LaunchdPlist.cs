using System.Xml.Linq;

namespace Kai.Native.Install;

/// <summary>The launchd property list: a LaunchDaemon (system install, runs as the service user) or a LaunchAgent (CurrentUser).</summary>
public static class LaunchdPlist
{
    public static string Render(ServiceSettings s, string label)
    {
        var dict = new XElement("dict");
        void Add(string key, XElement value)
        {
            dict.Add(new XElement("key", key));
            dict.Add(value);
        }
        static XElement Str(string v) => new("string", v);

        Add("Label", Str(label));
        Add("ProgramArguments", new XElement("array", Str(s.LauncherScript)));
        if (!s.UserScope)
        {
            Add("UserName", Str(s.ServiceUser));
            Add("GroupName", Str(s.ServiceGroup));
        }
        Add("WorkingDirectory", Str(s.DataDirectory));
        var env = new XElement("dict");
        foreach (var (key, value) in s.Environment)
        {
            env.Add(new XElement("key", key));
            env.Add(Str(value));
        }
        Add("EnvironmentVariables", env);
        Add("RunAtLoad", new XElement("true"));
        Add("KeepAlive", new XElement("true"));
        Add("ThrottleInterval", new XElement("integer", 5));
        Add("ExitTimeOut", new XElement("integer", 30));
        Add("StandardOutPath", Str(Path.Combine(s.DataDirectory, "logs", "kai.out.log")));
        Add("StandardErrorPath", Str(Path.Combine(s.DataDirectory, "logs", "kai.err.log")));

        var doc = new XDocument(
            new XDeclaration("1.0", "UTF-8", null),
            new XDocumentType("plist", "-//Apple//DTD PLIST 1.0//EN", "http://www.apple.com/DTDs/PropertyList-1.0.dtd", null),
            new XComment(" Kai service, written by Kai's installer. Regenerated on every apply: re-run the installer instead of editing. "),
            new XElement("plist", new XAttribute("version", "1.0"), dict));
        using var writer = new Utf8StringWriter();
        doc.Save(writer);
        return writer.ToString().Replace("\r\n", "\n", StringComparison.Ordinal) + "\n";
    }

    private sealed class Utf8StringWriter : StringWriter
    {
        public override System.Text.Encoding Encoding => new System.Text.UTF8Encoding(false);
    }
}
