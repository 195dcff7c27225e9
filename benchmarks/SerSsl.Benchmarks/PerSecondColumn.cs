using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace SerSsl.Benchmarks;

/// <summary>
/// Items per second of wall time, from the measured mean and the items one invocation handles: an integer
/// benchmark parameter times a constant (for example the <c>Rows</c> parameter, or <c>BatchSize</c> times five
/// chunks per clip).
/// </summary>
/// <param name="columnName">The column's heading, such as "Rows/s".</param>
/// <param name="parameter">The benchmark parameter that counts the items.</param>
/// <param name="perParameter">Items per unit of the parameter.</param>
/// <param name="legend">The legend line under the table.</param>
public sealed class PerSecondColumn(string columnName, string parameter, int perParameter, string legend) : IColumn
{
    public string Id => $"{nameof(PerSecondColumn)}.{columnName}";

    public string ColumnName => columnName;

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => 0;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => legend;

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var statistics = summary[benchmarkCase]?.ResultStatistics;
        if (statistics is null || benchmarkCase.Parameters[parameter] is not int count)
        {
            return "NA";
        }

        return ((double)count * perParameter / (statistics.Mean / 1e9)).ToString("N0", CultureInfo.InvariantCulture);
    }

    public bool IsAvailable(Summary summary) => true;

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
}
