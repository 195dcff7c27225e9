using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace SerSsl.Benchmarks;

/// <summary>
/// Seconds of audio processed per second of (single-threaded) run time, from the measured mean and the benchmark's
/// <c>AudioMilliseconds</c> parameter: the real-time factor.
/// </summary>
public sealed class RealTimeFactorColumn : IColumn
{
    /// <inheritdoc />
    public string Id => nameof(RealTimeFactorColumn);

    /// <inheritdoc />
    public string ColumnName => "Audio s/CPU s";

    /// <inheritdoc />
    public bool AlwaysShow => true;

    /// <inheritdoc />
    public ColumnCategory Category => ColumnCategory.Custom;

    /// <inheritdoc />
    public int PriorityInCategory => 0;

    /// <inheritdoc />
    public bool IsNumeric => true;

    /// <inheritdoc />
    public UnitType UnitType => UnitType.Dimensionless;

    /// <inheritdoc />
    public string Legend => "Seconds of audio processed per second of single-core run time (mean), i.e. the real-time factor";

    /// <inheritdoc />
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    /// <inheritdoc />
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var statistics = summary[benchmarkCase]?.ResultStatistics;
        if (statistics is null || benchmarkCase.Parameters["AudioMilliseconds"] is not int milliseconds)
        {
            return "NA";
        }

        var factor = milliseconds / 1000.0 / (statistics.Mean / 1e9);
        return factor.ToString("N0", CultureInfo.InvariantCulture);
    }

    /// <inheritdoc />
    public bool IsAvailable(Summary summary) => true;

    /// <inheritdoc />
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
}
