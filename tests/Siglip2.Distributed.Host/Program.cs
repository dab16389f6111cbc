using Siglip2.Distributed;
using Siglip2.Distributed.Host;
using TorchSharp;

// Usage: Siglip2.Distributed.Host SCENARIO OUTPUT_DIR [KEY=VALUE ...]
// Started by tests/Siglip2.Tests/Distributed under `mpirun -np N` (or without it, as one process). Each rank writes
// OUTPUT_DIR/rank<r>.json; the tests compare those files against independent references. Exceptions are deliberately
// not caught: an unhandled exception must end the whole MPI job through MpiProcessGroup's MPI_Abort hook.
if (args.Length < 2)
{
    Console.Error.WriteLine("usage: Siglip2.Distributed.Host collectives|ring-loss|ring-loss-fd|train|gradients|fail-throw|fail-kill|fail-exit|error-truncate|bench-allreduce OUTPUT_DIR [key=value ...]");
    return 2;
}
torch.set_num_threads(1);
var options = HostOptions.Parse(args.Skip(2));
using var group = ProcessGroup.Create();
var output = new HostOutput(args[1], group);
switch (args[0])
{
    case "collectives": CollectivesScenario.Run(group, output); break;
    case "ring-loss": RingLossScenario.Run(group, output, options); break;
    case "ring-loss-fd": FiniteDifferenceScenario.Run(group, output, options); break;
    case "train": TrainingScenario.Run(group, output, options); break;
    case "gradients": GradientScenario.Run(group, output); break;
    case "fail-throw": FailureScenarios.Throw(group); break;
    case "fail-kill": FailureScenarios.Kill(group); break;
    case "fail-exit": FailureScenarios.Exit(group); break;
    case "error-truncate": FailureScenarios.Truncate(group, output); break;
    case "bench-allreduce": AllReduceBenchmark.Run(group, output); break;
    default: Console.Error.WriteLine($"unknown scenario '{args[0]}'"); return 2;
}
group.Barrier();
return 0;
