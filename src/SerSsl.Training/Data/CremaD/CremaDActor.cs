namespace SerSsl.Training.Data.CremaD;

/// <summary>One CREMA-D actor, from <c>VideoDemographics.csv</c>.</summary>
/// <param name="Id">The four-digit actor id of the clip names.</param>
/// <param name="Sex">Male or female.</param>
/// <param name="Age">Age in years, or null when the table leaves it empty.</param>
/// <param name="Race">The race column as written (may be empty).</param>
/// <param name="Ethnicity">The ethnicity column as written (may be empty).</param>
internal sealed record CremaDActor(int Id, ActorSex Sex, int? Age, string Race, string Ethnicity);
