using SerSsl.Core.Labels;
using SerSsl.Training.Data.CremaD;

namespace SerSsl.Training.Tests.Data.CremaD;

public sealed class CremaDClipNameTests
{
    [Fact]
    public void Parse_ValidName_SplitsAllParts()
    {
        var name = CremaDClipName.Parse("1001_IEO_HAP_HI.wav");

        Assert.Equal("1001_IEO_HAP_HI", name.Name);
        Assert.Equal(1001, name.ActorId);
        Assert.Equal("IEO", name.Sentence);
        Assert.Equal(CremaDEmotion.IndexOfCode("HAP"), name.Emotion);
        Assert.Equal("HI", name.Level);
    }

    [Theory]
    [InlineData("1001_IEO_HAP", "3 part(s)")]
    [InlineData("1001_IEO_HAP_HI_2", "5 part(s)")]
    [InlineData("101_IEO_HAP_HI", "actor id '101'")]
    [InlineData("10a1_IEO_HAP_HI", "actor id '10a1'")]
    [InlineData("1001_ieo_HAP_HI", "sentence 'ieo'")]
    [InlineData("1001_IEO_hap_HI", "emotion 'hap'")]
    [InlineData("1001_IEO_CON_HI", "emotion 'CON'")]
    [InlineData("1001_IEO_HAP_X", "level 'X'")]
    public void Parse_MalformedName_ErrorNamesTheNameSourceAndRule(string text, string rule)
    {
        var error = Assert.Throws<FormatException>(() => CremaDClipName.Parse(text, "list.csv, line 9"));

        Assert.Contains($"'{text}'", error.Message, StringComparison.Ordinal);
        Assert.Contains("list.csv, line 9", error.Message, StringComparison.Ordinal);
        Assert.Contains(rule, error.Message, StringComparison.Ordinal);
    }
}
