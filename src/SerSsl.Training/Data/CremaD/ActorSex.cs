namespace SerSsl.Training.Data.CremaD;

/// <summary>An actor's sex as <c>VideoDemographics.csv</c> records it.</summary>
internal enum ActorSex
{
    /// <summary><c>Male</c>.</summary>
    Male,

    /// <summary><c>Female</c>.</summary>
    Female,
}
