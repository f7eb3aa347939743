using System.Diagnostics;

namespace Kai.Bench;

/// <summary>Timing helpers: per-operation samples, reported as median and p99.</summary>
internal static class Measure
{
    public static Samples Repeat(int count, Action action)
    {
        var samples = new double[count];
        for (var i = 0; i < count; i++)
        {
            var start = Stopwatch.GetTimestamp();
            action();
            samples[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
        }
        return new Samples(samples);
    }

    public static async Task<Samples> RepeatAsync(int count, Func<Task> action)
    {
        var samples = new double[count];
        for (var i = 0; i < count; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await action();
            samples[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
        }
        return new Samples(samples);
    }
}

internal sealed class Samples(double[] microseconds)
{
    private readonly double[] _sorted = microseconds.Order().ToArray();

    public IReadOnlyList<double> All => microseconds;

    public double Median => Percentile(50);
    public double P99 => Percentile(99);
    public double Mean => _sorted.Average();

    public double Percentile(double p) => _sorted[Math.Clamp((int)Math.Ceiling(p / 100 * _sorted.Length) - 1, 0, _sorted.Length - 1)];
}

/// <summary>The results table: every figure, and its ratio against the baseline measured in the same run.</summary>
internal sealed class Table
{
    private readonly List<string[]> _rows = new();

    public void Add(string what, string value, string baseline = "", string ratio = "", string target = "", bool? met = null) =>
        _rows.Add([what, value, baseline, ratio, target, met is null ? "" : met.Value ? "met" : "NOT met"]);

    public void Print()
    {
        string[] header = ["measurement", "Kai", "raw baseline", "ratio", "target", ""];
        var all = new List<string[]> { header };
        all.AddRange(_rows);
        var widths = Enumerable.Range(0, header.Length).Select(c => all.Max(r => r[c].Length)).ToArray();
        string Line(string[] row) => "| " + string.Join(" | ", row.Select((cell, c) => cell.PadRight(widths[c]))) + " |";
        Console.WriteLine(Line(header));
        Console.WriteLine("|" + string.Join("|", widths.Select(w => new string('-', w + 2))) + "|");
        foreach (var row in _rows) Console.WriteLine(Line(row));
    }
}
