namespace SerSsl.Streaming.Tests.Support;

/// <summary>A small VAVL fold file for tests of <c>--fold-list</c>: seven CREMA-D clips over three sets.</summary>
internal static class VavlTestFold
{
    /// <summary>The header of <c>label_consensus_N.csv</c>.</summary>
    public const string Header = "FileName,angry,sad,disgust,fear,neutral,happy,SpkrID,Gender,Split_Set";

    /// <summary>
    /// Lines 2 to 8 of the file. 1001_DFA_ANG_XX is anger by its file name but sadness by consensus; four clips are in
    /// Test, two in Train, one in Development.
    /// </summary>
    public static IReadOnlyList<string> Rows { get; } =
    [
        "1001_DFA_ANG_XX.wav,0.10,0.70,0.05,0.05,0.05,0.05,1001,Male,Test",
        "1001_DFA_HAP_XX.wav,0.05,0.05,0.05,0.05,0.10,0.70,1001,Male,Test",
        "1002_IEO_NEU_XX.wav,0.05,0.05,0.05,0.05,0.75,0.05,1002,Female,Test",
        "1003_TIE_FEA_XX.wav,0.05,0.05,0.05,0.75,0.05,0.05,1003,Male,Train",
        "1004_TIE_SAD_XX.wav,0.05,0.75,0.05,0.05,0.05,0.05,1004,Female,Development",
        "1005_IOM_DIS_XX.wav,0.05,0.05,0.75,0.05,0.05,0.05,1005,Male,Test",
        "1006_IOM_ANG_HI.wav,0.75,0.05,0.05,0.05,0.05,0.05,1006,Female,Train",
    ];

    /// <summary>Writes <c>label_consensus_1.csv</c> with <paramref name="rows"/> into <paramref name="folder"/> (created when missing).</summary>
    /// <returns>The file's path.</returns>
    public static string Write(string folder, IEnumerable<string> rows)
    {
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, "label_consensus_1.csv");
        File.WriteAllText(path, Header + "\n" + string.Join('\n', rows) + "\n");
        return path;
    }
}
