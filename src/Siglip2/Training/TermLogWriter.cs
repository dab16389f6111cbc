using System.Globalization;

namespace Siglip2.Training;

/// <summary>
/// Each loss term per step as CSV (<c>step,loss,sigmoid,locca,silc,tips</c>, 6 significant digits, NaN while a term
/// is off), one flushed line per step; resumed like <see cref="LossLogWriter"/>.
/// </summary>
public sealed class TermLogWriter : IProgress<TrainingStepReport>, IDisposable
{
    public const string Header = "step,loss,sigmoid,locca,silc,tips";
    private readonly StreamWriter _writer;

    public TermLogWriter(string path, long resumeFromStep = 0) => _writer = StepCsv.Open(path, Header, resumeFromStep);

    public void Report(TrainingStepReport r)
    {
        _writer.WriteLine(string.Join(",", new[] { r.Step, r.Loss, r.Sigmoid, r.Locca, r.Silc, r.Tips }
            .Select(v => v.ToString("G6", CultureInfo.InvariantCulture))));
        _writer.Flush();
    }

    public void Dispose() => _writer.Dispose();
}
