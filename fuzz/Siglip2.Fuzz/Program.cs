using Siglip2.Fuzz;
using SharpFuzz;

// siglip2-fuzz: the fuzzing entry point (see scripts/fuzz.sh and docs/reliability.md).
//   siglip2-fuzz list
//   siglip2-fuzz afl TARGET                      (under afl-fuzz, with the library instrumented by `sharpfuzz`)
//   siglip2-fuzz loop TARGET CORPUS SECONDS FINDINGS [SEED]
//   siglip2-fuzz replay TARGET FILE|DIR...
const string Usage = "usage: siglip2-fuzz list | afl TARGET | loop TARGET CORPUS_DIR SECONDS FINDINGS_DIR [SEED] | replay TARGET FILE|DIR...";
if (args.Length == 0) { Console.Error.WriteLine(Usage); return 2; }
try
{
    switch (args[0])
    {
        case "list":
            foreach (var t in FuzzTargets.All) Console.WriteLine($"{t.Name,-20} {t.Description}");
            return 0;
        case "afl" when args.Length == 2:
        {
            // Nothing of the instrumented library may run before Fuzzer.Run maps afl's coverage memory, so the target
            // (whose table builds library objects) is looked up inside the first execution.
            string name = args[1];
            FuzzTarget? target = null;
            // persistent mode: afl-fuzz feeds inputs through the fork server; an escaping exception is a crash
            Fuzzer.Run(stream =>
            {
                target ??= FuzzTargets.Get(name);
                using var buffer = new MemoryStream();
                stream.CopyTo(buffer);
                FuzzTargets.Run(target, buffer.ToArray());
            });
            return 0;
        }
        case "loop" when args.Length is 5 or 6:
        {
            var target = FuzzTargets.Get(args[1]);
            var corpus = Directory.EnumerateFiles(args[2]).Order(StringComparer.Ordinal).Select(File.ReadAllBytes).ToList();
            int seconds = int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture);
            int seed = args.Length == 6 ? int.Parse(args[5], System.Globalization.CultureInfo.InvariantCulture) : 1;
            var report = new MutationLoop(target, corpus, args[4], seed, TimeSpan.FromSeconds(10))
                .Run(TimeSpan.FromSeconds(seconds), Console.Error.WriteLine);
            Console.WriteLine($"{report.Target}\t{report.Executions}\t{report.Accepted}\t{report.Refused}\t{report.Crashes}\t{report.Seconds:F1}");
            return report.Crashes == 0 ? 0 : 1;
        }
        case "replay" when args.Length >= 3:
        {
            var target = FuzzTargets.Get(args[1]);
            int failed = 0;
            foreach (string path in args.Skip(2).SelectMany(p => Directory.Exists(p) ? Directory.EnumerateFiles(p) : [p]))
            {
                try { Console.WriteLine($"{FuzzTargets.Run(target, File.ReadAllBytes(path)),-9} {path}"); }
                catch (Exception e) { failed++; Console.WriteLine($"CRASH     {path}: {e.GetType().Name}: {e.Message.ReplaceLineEndings(" ")}"); Console.Error.WriteLine(e); }
            }
            return failed == 0 ? 0 : 1;
        }
        default:
            Console.Error.WriteLine(Usage);
            return 2;
    }
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"siglip2-fuzz: {e.Message}");
    return 2;
}
