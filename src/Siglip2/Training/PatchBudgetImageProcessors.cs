using Siglip2.Configuration;
using Siglip2.Processing.Images;

namespace Siglip2.Training;

/// <summary>
/// One NaFlex image processor per patch budget of a <see cref="PatchBudgetSchedule"/>
/// (<c>preprocessor_config with { max_num_patches = n }</c>); <see cref="At"/> gives the processor of a step's budget,
/// for batch sources that take a processor per step (<see cref="RecipeBatchSource"/>).
/// </summary>
public sealed class PatchBudgetImageProcessors
{
    private readonly Dictionary<int, IImageProcessor> _processors;

    public PatchBudgetSchedule Schedule { get; }

    public PatchBudgetImageProcessors(PatchBudgetSchedule schedule, PreprocessorConfig naflexConfig)
    {
        if (naflexConfig.Kind != ImageProcessorKind.NaFlex)
            throw new Siglip2Exception("patch budgets apply to NaFlex image processors (Siglip2ImageProcessor) only");
        Schedule = schedule;
        _processors = schedule.Budgets.Distinct().ToDictionary(b => b, b => ImageProcessorFactory.Create(naflexConfig with { MaxNumPatches = b }));
    }

    public IImageProcessor At(long step) => _processors[Schedule.At(step)];
}
