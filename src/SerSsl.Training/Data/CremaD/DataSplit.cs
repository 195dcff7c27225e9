namespace SerSsl.Training.Data.CremaD;

/// <summary>The role of a set within a speaker-independent partition.</summary>
internal enum DataSplit
{
    /// <summary>Training actors.</summary>
    Train,

    /// <summary>Development (validation) actors: model selection and early stopping.</summary>
    Dev,

    /// <summary>Test actors: reported results only.</summary>
    Test,
}
