using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Kai.Native.Install.Yaml;

/// <summary>
/// The field path (<c>users[0].name</c>) at which a YAML document stops parsing, found by replaying the
/// parser's events up to the error, so a syntax error can name its field as well as its line.
/// </summary>
internal static class YamlErrorPath
{
    private sealed class Frame
    {
        public bool IsMapping;
        public bool ExpectingKey = true;
        public string? Key;
        public int Index = -1;
    }

    /// <summary>Replays events up to <paramref name="at"/> (the error's position) or the syntax error, whichever comes first.</summary>
    public static string Find(string text, Mark at)
    {
        var stack = new List<Frame>();
        var parser = new Parser(new StringReader(text));
        try
        {
            while (parser.MoveNext())
            {
                if (parser.Current!.Start.Line > at.Line || (parser.Current.Start.Line == at.Line && parser.Current.Start.Column > at.Column)) break;
                switch (parser.Current)
                {
                    case MappingStart:
                        Enter(stack, isValue: true);
                        stack.Add(new Frame { IsMapping = true });
                        break;
                    case SequenceStart:
                        Enter(stack, isValue: true);
                        stack.Add(new Frame());
                        break;
                    case MappingEnd:
                    case SequenceEnd:
                        if (stack.Count > 0) stack.RemoveAt(stack.Count - 1);
                        Leave(stack);
                        break;
                    case Scalar scalar:
                        if (stack.Count > 0 && stack[^1] is { IsMapping: true, ExpectingKey: true } map)
                        {
                            map.Key = scalar.Value;
                            map.ExpectingKey = false;
                        }
                        else
                        {
                            Enter(stack, isValue: true);
                            Leave(stack);
                        }
                        break;
                    case AnchorAlias:
                        Enter(stack, isValue: true);
                        Leave(stack);
                        break;
                }
            }
        }
        catch (YamlException)
        {
            // Expected: this is where the document breaks.
        }
        return Render(stack);
    }

    private static void Enter(List<Frame> stack, bool isValue)
    {
        if (isValue && stack.Count > 0 && !stack[^1].IsMapping) stack[^1].Index++;
    }

    private static void Leave(List<Frame> stack)
    {
        if (stack.Count > 0 && stack[^1].IsMapping) stack[^1].ExpectingKey = true;
    }

    private static string Render(List<Frame> stack)
    {
        var path = "";
        foreach (var frame in stack)
        {
            if (frame.IsMapping && frame.Key is not null) path = YamlConfigReader.Join(path, frame.Key);
            else if (!frame.IsMapping && frame.Index >= 0) path += $"[{frame.Index}]";
        }
        return path;
    }
}
