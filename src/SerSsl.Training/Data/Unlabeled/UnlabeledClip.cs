using SerSsl.Core.Faces;

namespace SerSsl.Training.Data.Unlabeled;

/// <summary>One clip of an unlabeled audiovisual corpus that passed the loader's checks.</summary>
/// <param name="Id">The manifest's unique clip id.</param>
/// <param name="WavPath">The full path of the clip's WAV file.</param>
/// <param name="OpenFacePath">The full path of the clip's OpenFace CSV.</param>
/// <param name="Speaker">The manifest's speaker or session id, or null when the column is absent or empty.</param>
/// <param name="AudioSeconds">The WAV file's duration.</param>
/// <param name="VideoSeconds">The OpenFace track's duration (<see cref="OpenFaceTrack.DurationSeconds"/>).</param>
/// <param name="VideoFrameCount">The number of OpenFace rows.</param>
/// <param name="Track">The parsed track, or null when the corpus was loaded with
/// <see cref="UnlabeledLoadOptions.KeepTracks"/> false; <see cref="ReadTrack"/> works either way.</param>
internal sealed record UnlabeledClip(
    string Id,
    string WavPath,
    string OpenFacePath,
    string? Speaker,
    double AudioSeconds,
    double VideoSeconds,
    int VideoFrameCount,
    OpenFaceTrack? Track)
{
    /// <summary>The kept track, or the track read again from <see cref="OpenFacePath"/>.</summary>
    /// <exception cref="InvalidDataException">The CSV changed since loading and is no longer valid.</exception>
    public OpenFaceTrack ReadTrack() => Track ?? OpenFaceCsvReader.Read(OpenFacePath);
}
