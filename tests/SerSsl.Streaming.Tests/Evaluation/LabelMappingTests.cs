using SerSsl.Streaming.Evaluation;

namespace SerSsl.Streaming.Tests.Evaluation;

public sealed class LabelMappingTests
{
    private static readonly string[] s_codes = ["ANG", "DIS", "FEA", "HAP", "NEU", "SAD"];

    [Theory]
    [InlineData("anger", 0)]
    [InlineData("disgust", 1)]
    [InlineData("fear", 2)]
    [InlineData("happiness", 3)]
    [InlineData("neutral", 4)]
    [InlineData("sadness", 5)]
    public void Map_CanonicalCorpusLabels_FindTheModelCodes(string label, int expected)
    {
        var mapping = LabelMapping.Create(s_codes, []);

        Assert.Equal(expected, mapping.Map(label, out _));
    }

    [Fact]
    public void Map_ModelWithWordLabels_MatchesByMeaning()
    {
        var mapping = LabelMapping.Create(["angry", "happy", "neutral", "sad"], []);

        Assert.Equal(0, mapping.Map("anger", out _));
        Assert.Equal(1, mapping.Map("happiness", out _));
        Assert.Equal(3, mapping.Map("sadness", out _));
        Assert.Null(mapping.Map("fear", out var reason));
        Assert.Equal(SkipReason.LabelNotInModel, reason);
    }

    [Theory]
    [InlineData("calm")]
    [InlineData("boredom")]
    [InlineData("surprise")]
    public void Map_LabelsTheModelLacks_AreLeftOut(string label)
    {
        var mapping = LabelMapping.Create(s_codes, []);

        Assert.Null(mapping.Map(label, out var reason));
        Assert.Equal(SkipReason.LabelNotInModel, reason);
    }

    [Fact]
    public void Create_OverridesInOneAndSeveralValues_MapAndDrop()
    {
        var mapping = LabelMapping.Create(s_codes, ["calm=neutral, surprise=HAP", "fear=drop"]);

        Assert.Equal(4, mapping.Map("calm", out _));
        Assert.Equal(3, mapping.Map("surprise", out _));
        Assert.Null(mapping.Map("fear", out var reason));
        Assert.Equal(SkipReason.DroppedByMap, reason);
        Assert.Equal(0, mapping.Map("anger", out _));
    }

    [Fact]
    public void Create_OverrideLeftSideInAnotherSpelling_AppliesToTheCanonicalLabel()
    {
        var mapping = LabelMapping.Create(s_codes, ["ps=happiness", "Angry=drop"]);

        Assert.Equal(3, mapping.Map("surprise", out _));
        Assert.Null(mapping.Map("anger", out _));
    }

    [Theory]
    [InlineData("calm", "CORPUS_LABEL=MODEL_LABEL")]
    [InlineData("=neutral", "CORPUS_LABEL=MODEL_LABEL")]
    [InlineData("calm=", "CORPUS_LABEL=MODEL_LABEL")]
    [InlineData("calm=relaxed", "no label 'relaxed'")]
    [InlineData("calm=neutral,calm=drop", "mapped twice")]
    public void Create_BadEntry_ThrowsSayingWhatToWrite(string entry, string expected)
    {
        var error = Assert.Throws<ArgumentException>(() => LabelMapping.Create(s_codes, [entry]));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Contains("--map", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_UnknownModelLabel_ListsTheModelLabelsWithTheirMeaning()
    {
        var error = Assert.Throws<ArgumentException>(() => LabelMapping.Create(s_codes, ["calm=relaxed"]));

        Assert.Contains("ANG (anger)", error.Message, StringComparison.Ordinal);
        Assert.Contains("calm=drop", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ANG", "anger")]
    [InlineData(" Angry ", "anger")]
    [InlineData("pleasant surprise", "surprise")]
    [InlineData("Pleasant-Surprised", "surprise")]
    [InlineData("Frustrated", "frustrated")]
    public void Normalize_Spellings_GiveTheCanonicalName(string label, string expected) =>
        Assert.Equal(expected, EmotionVocabulary.Normalize(label));
}
