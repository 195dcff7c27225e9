using SerSsl.Training.Losses;

namespace SerSsl.Training.Tests.Losses;

public sealed class CoOccurrenceTests
{
    // CREMA-D order A, D, F, H, N, S. Clip 1: 3 anger and 1 disgust votes; clip 2: 2 disgust, 2 neutral; clip 3: 4 anger.
    private static readonly int[][] s_toyVotes =
    [
        [3, 1, 0, 0, 0, 0],
        [0, 2, 0, 0, 2, 0],
        [4, 0, 0, 0, 0, 0],
    ];

    private const int A = 0;
    private const int D = 1;
    private const int F = 2;
    private const int N = 4;

    [Fact]
    public void FromVotes_MinVotes_HandComputedCounts()
    {
        var co = CoOccurrence.FromVotes(s_toyVotes);

        // C[i, j] = Σ_clips min(v_i, v_j): the diagonal is the votes per class.
        Assert.Equal(3, co.ClipCount);
        Assert.Equal(7, co[A, A]);
        Assert.Equal(3, co[D, D]);
        Assert.Equal(2, co[N, N]);
        Assert.Equal(1, co[A, D]);
        Assert.Equal(1, co[D, A]);
        Assert.Equal(2, co[D, N]);
        Assert.Equal(0, co[A, N]);
        Assert.Equal(0, co[F, F]);
    }

    [Fact]
    public void FromVotes_Presence_HandComputedCounts()
    {
        var co = CoOccurrence.FromVotes(s_toyVotes, CoOccurrenceCounting.Presence);

        // C[i, j] = clips where both got votes; the diagonal is the clips where i got votes.
        Assert.Equal(2, co[A, A]);
        Assert.Equal(2, co[D, D]);
        Assert.Equal(1, co[N, N]);
        Assert.Equal(1, co[A, D]);
        Assert.Equal(1, co[D, N]);
        Assert.Equal(0, co[A, N]);
    }

    [Fact]
    public void Penalty_Cosine_HandComputed()
    {
        var penalty = CoOccurrence.FromVotes(s_toyVotes).Penalty(scale: 1.0);

        Assert.Equal(1 - (1 / Math.Sqrt(7 * 3)), penalty[A, D], 1e-12);
        Assert.Equal(1 - (2 / Math.Sqrt(3 * 2)), penalty[D, N], 1e-12);
        Assert.Equal(1.0, penalty[A, N], 1e-12);
        Assert.Equal(1.0, penalty[A, F], 1e-12); // F never voted: rate 0, full penalty
        for (var i = 0; i < 6; i++)
        {
            Assert.Equal(0.0, penalty[i, i]);
        }
    }

    [Fact]
    public void Penalty_MaxOffDiagonalWithScale_HandComputed()
    {
        var penalty = CoOccurrence.FromVotes(s_toyVotes).Penalty(scale: 2.0, CoOccurrenceNormalisation.MaxOffDiagonal);

        // The largest off-diagonal count is C[D, N] = 2.
        Assert.Equal(0.0, penalty[D, N], 1e-12);
        Assert.Equal(2.0 * (1 - 0.5), penalty[A, D], 1e-12);
        Assert.Equal(2.0, penalty[A, N], 1e-12);
        Assert.Equal(0.0, penalty[A, A]);
    }

    [Fact]
    public void FromVotes_InvalidInput_Throws()
    {
        Assert.Throws<ArgumentException>(() => CoOccurrence.FromVotes([]));
        Assert.Throws<ArgumentException>(() => CoOccurrence.FromVotes([[1, 2, 0], [1, 2]]));
        Assert.Throws<ArgumentException>(() => CoOccurrence.FromVotes([[1, -2]]));
    }

    [Fact]
    public void Penalty_CremaDVoiceVotes_SymmetricZeroDiagonalNeutralCoOccursMost()
    {
        var path = RequireVoteTable();
        var votes = ReadVotes(path, modality: '1');

        var co = CoOccurrence.FromVotes(votes);
        var penalty = co.Penalty();

        Assert.Equal(7442, co.ClipCount);
        var meanPenalty = new double[6];
        for (var i = 0; i < 6; i++)
        {
            Assert.Equal(0.0, penalty[i, i]);
            for (var j = 0; j < 6; j++)
            {
                Assert.Equal(penalty[i, j], penalty[j, i], 1e-12);
                Assert.InRange(penalty[i, j], 0.0, 1.0);
                meanPenalty[i] += penalty[i, j] / 5;
            }
        }

        TestContext.Current.SendDiagnosticMessage("CREMA-D voice co-occurrence penalty (A D F H N S):\n" + Format(penalty));

        // Neutral shares clips with every other emotion most: the lowest mean penalty. Happiness is the most distinct.
        const int Neutral = 4;
        const int Happy = 3;
        Assert.Equal(Neutral, Array.IndexOf(meanPenalty, meanPenalty.Min()));
        Assert.Equal(Happy, Array.IndexOf(meanPenalty, meanPenalty.Max()));
        Assert.True(penalty[A, D] < penalty[A, Happy], "anger and disgust co-occur more than anger and happiness");
    }

    private static string RequireVoteTable()
    {
        var shared = SerSsl.TestSupport.RepoPaths.Shared;
        var path = shared is null ? null : Path.Combine(shared, "datasets", "crema-d", "tabulatedVotes.csv");
        if (path is null || !File.Exists(path))
        {
            Assert.Skip("CREMA-D tabulatedVotes.csv not found: this test needs ../shared/datasets/crema-d beside the repository (or SERSSL_SHARED).");
        }

        return path!;
    }

    /// <summary>The A..S vote columns of the rows of one rating modality (first digit of the row id: 1 voice, 2 face, 3 audiovisual).</summary>
    private static List<int[]> ReadVotes(string path, char modality)
    {
        var lines = File.ReadAllLines(path);
        var header = lines[0].Split(',').Select(h => h.Trim('"')).ToList();
        var columns = "ADFHNS".Select(letter => header.IndexOf(letter.ToString())).ToArray();
        Assert.DoesNotContain(-1, columns);
        var votes = new List<int[]>();
        foreach (var line in lines.Skip(1).Where(l => l.Length > 0))
        {
            var fields = line.Split(',');
            if (fields[0].Trim('"')[0] == modality)
            {
                votes.Add([.. columns.Select(c => int.Parse(fields[c], System.Globalization.CultureInfo.InvariantCulture))]);
            }
        }

        return votes;
    }

    private static string Format(double[,] matrix) =>
        string.Join('\n', Enumerable.Range(0, matrix.GetLength(0)).Select(i =>
            string.Join(' ', Enumerable.Range(0, matrix.GetLength(1)).Select(j => matrix[i, j].ToString("F3", System.Globalization.CultureInfo.InvariantCulture)))));
}
