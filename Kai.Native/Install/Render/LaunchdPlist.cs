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

        var doctype = new XDocumentType("plist", "-//Apple//DTD PLIST 1.0//EN", "http://www.apple.com/DTDs/PropertyList-1.0.dtd", null);
        var comment = new XComment(" Kai service, written by Kai's installer. Regenerated on every apply: re-run the installer instead of editing. ");
        var plist = new XElement("plist", new XAttribute("version", "1.0"), dict);
        // The declaration as Apple writes it (XDocument would print the writer's lower-case encoding name).
        return string.Join("\n", "<?xml version=\"1.0\" encoding=\"UTF-8\"?>", doctype, comment, plist).Replace("\r\n", "\n", StringComparison.Ordinal) + "\n";
    }
}
