using System.Globalization;

namespace Siglip2.Training;

/// <summary>
/// The loss curve as CSV (<c>step,loss,learning_rate,temperature,bias,grad_norm,batch_size,seconds,images_per_second</c>),
/// one flushed line per step. Opening an existing log for a run resumed at step k keeps its rows up to step k and
/// drops later ones (written after that checkpoint), so the file stays one continuous curve.
/// </summary>
public sealed class LossLogWriter : IProgress<TrainingStepReport>, IDisposable
{
    public const string Header = "step,loss,learning_rate,temperature,bias,grad_norm,batch_size,seconds,images_per_second";
    private readonly StreamWriter _writer;

    public string Path { get; }

    /// <param name="path">CSV file to write.</param>
    /// <param name="resumeFromStep">Steps already completed (0 for a new run: the file is started afresh).</param>
    public LossLogWriter(string path, long resumeFromStep = 0)
    {
        Path = path;
        _writer = StepCsv.Open(path, Header, resumeFromStep);
    }

    public void Report(TrainingStepReport r)
    {
        _writer.WriteLine(string.Join(',',
            r.Step.ToString(CultureInfo.InvariantCulture), F(r.Loss), F(r.LearningRate), F(r.Temperature), F(r.Bias),
            F(r.GradNorm), r.BatchSize.ToString(CultureInfo.InvariantCulture), F(r.Seconds), F(r.ImagesPerSecond)));
        _writer.Flush();
    }

    private static string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    public void Dispose() => _writer.Dispose();
}
