namespace SerSsl.Synthesis;

/// <summary>
/// A neutral frontal face in the standard 68-point layout (jaw 0-16, brows 17-26, nose 27-35, eyes 36-47, outer lips
/// 48-59, inner lips 60-67), in face units: x to the image right, y down, the jaw 2 units wide, the eyes at y ≈ -0.3.
/// Points are numbered as in the iBUG/OpenFace annotation, so point 36 is the outer corner of the eye on the image
/// left and 45 the outer corner of the other eye.
/// </summary>
internal sealed class FaceTemplate
{
    /// <summary>Number of landmarks.</summary>
    public const int Count = 68;

    private FaceTemplate(double[] x, double[] y)
    {
        X = x;
        Y = y;
    }

    /// <summary>The x coordinates, in face units.</summary>
    public double[] X { get; }

    /// <summary>The y coordinates, in face units.</summary>
    public double[] Y { get; }

    /// <summary>
    /// A speaker's neutral face: the mean layout with the eye spacing, eye size, brow height, mouth width and face
    /// length varied by a few percent.
    /// </summary>
    /// <param name="random">The speaker's random source.</param>
    public static FaceTemplate ForSpeaker(SynthRandom random)
    {
        ArgumentNullException.ThrowIfNull(random);
        return Build(
            eyeSpacing: random.ClampedNormal(1, 0.04, 0.9, 1.1),
            eyeSize: random.ClampedNormal(1, 0.06, 0.85, 1.15),
            browLift: random.ClampedNormal(0, 0.03, -0.07, 0.07),
            mouthWidth: random.ClampedNormal(1, 0.05, 0.88, 1.12),
            faceLength: random.ClampedNormal(1, 0.04, 0.9, 1.1));
    }

    private static FaceTemplate Build(double eyeSpacing, double eyeSize, double browLift, double mouthWidth, double faceLength)
    {
        var x = new double[Count];
        var y = new double[Count];

        // Jaw 0-16: a half ellipse from ear to ear through the chin.
        for (var i = 0; i <= 16; i++)
        {
            var t = Math.PI * i / 16;
            x[i] = -Math.Cos(t) * (1 - (0.08 * Math.Sin(t)));
            y[i] = -0.2 + (1.2 * faceLength * Math.Sin(t));
        }

        // Brows 17-21 (image left) and 22-26 (image right): arcs above the eyes.
        for (var i = 0; i < 5; i++)
        {
            var s = i / 4.0;
            var arc = 0.1 * Math.Sin(Math.PI * (0.15 + (0.7 * s)));
            x[17 + i] = (-0.82 + (0.66 * s)) * eyeSpacing;
            y[17 + i] = -0.56 - arc - browLift;
            x[26 - i] = -x[17 + i];
            y[26 - i] = y[17 + i];
        }

        // Nose bridge 27-30, then the lower nose 31-35.
        for (var i = 0; i < 4; i++)
        {
            x[27 + i] = 0;
            y[27 + i] = -0.36 + (0.16 * i);
        }

        for (var i = 0; i < 5; i++)
        {
            var u = (i - 2) / 2.0;
            x[31 + i] = 0.2 * u;
            y[31 + i] = 0.2 + (0.04 * (1 - Math.Abs(u)));
        }

        // Eyes 36-41 (image left) and 42-47 (image right): corners, two upper and two lower lid points.
        const double halfWidth = 0.15;
        var halfHeight = 0.05 * eyeSize;
        var cx = 0.42 * eyeSpacing;
        SetEye(x, y, 36, -cx, -0.3, halfWidth * eyeSize, halfHeight);
        SetEye(x, y, 42, cx, -0.3, halfWidth * eyeSize, halfHeight);

        // Outer lips 48-59 clockwise from the image-left corner; inner lips 60-67 likewise.
        var w = mouthWidth;
        double[] outerX = [-0.36, -0.22, -0.08, 0, 0.08, 0.22, 0.36, 0.22, 0.08, 0, -0.08, -0.22];
        double[] outerY = [0.5, 0.45, 0.42, 0.43, 0.42, 0.45, 0.5, 0.58, 0.61, 0.62, 0.61, 0.58];
        double[] innerX = [-0.28, -0.1, 0, 0.1, 0.28, 0.1, 0, -0.1];
        double[] innerY = [0.5, 0.485, 0.485, 0.485, 0.5, 0.515, 0.515, 0.515];
        for (var i = 0; i < outerX.Length; i++)
        {
            x[48 + i] = outerX[i] * w;
            y[48 + i] = outerY[i] * faceLength;
        }

        for (var i = 0; i < innerX.Length; i++)
        {
            x[60 + i] = innerX[i] * w;
            y[60 + i] = innerY[i] * faceLength;
        }

        return new FaceTemplate(x, y);
    }

    private static void SetEye(double[] x, double[] y, int first, double cx, double cy, double halfWidth, double halfHeight)
    {
        // Both eyes start at their image-left corner: corner, two upper lid points, other corner, two lower lid points.
        x[first] = cx - halfWidth;
        y[first] = cy;
        x[first + 1] = cx - (halfWidth / 3);
        y[first + 1] = cy - halfHeight;
        x[first + 2] = cx + (halfWidth / 3);
        y[first + 2] = cy - halfHeight;
        x[first + 3] = cx + halfWidth;
        y[first + 3] = cy;
        x[first + 4] = cx + (halfWidth / 3);
        y[first + 4] = cy + halfHeight;
        x[first + 5] = cx - (halfWidth / 3);
        y[first + 5] = cy + halfHeight;
    }
}
