// Filled in by the sessions work: raw baselines and Kai's figures, printed side by side with ratios.
Console.WriteLine("Kai bench: no benchmarks yet.");
