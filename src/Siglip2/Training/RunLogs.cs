namespace Siglip2.Training;

/// <summary>
/// The two loss logs of a run folder as one step observer: loss_log.csv (<see cref="LossLogWriter"/>) and
/// recipe_loss_log.csv (<see cref="TermLogWriter"/>). Opened at step k they keep their rows up to k. A process that is
/// not the main one of a data-parallel job opens nothing.
/// </summary>
public sealed class RunLogs : IProgress<TrainingStepReport>, IDisposable
{
    private readonly LossLogWriter? _loss;
    private readonly TermLogWriter? _terms;

    public string LossLogPath { get; }

    internal RunLogs(RunFolder run, long resumeFromStep, bool write)
    {
        LossLogPath = run.File(RunFolder.LossLogFileName);
        if (!write) return;
        _loss = new LossLogWriter(LossLogPath, resumeFromStep);
        try { _terms = new TermLogWriter(run.File(RunFolder.TermLogFileName), resumeFromStep); }
        catch { _loss.Dispose(); throw; }
    }

    public void Report(TrainingStepReport value)
    {
        _loss?.Report(value);
        _terms?.Report(value);
    }

    public void Dispose()
    {
        _loss?.Dispose();
        _terms?.Dispose();
    }
}
