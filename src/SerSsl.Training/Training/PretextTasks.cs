namespace SerSsl.Training.Training;

/// <summary>The self-supervised pretext tasks of pre-training; any combination.</summary>
[Flags]
internal enum PretextTasks
{
    /// <summary>No pre-training.</summary>
    None = 0,

    /// <summary>Task 1: energy variation per chunk (audio only).</summary>
    Energy = 1,

    /// <summary>Task 2: facial activation per chunk, predicted from audio.</summary>
    Face = 2,

    /// <summary>Task 3: the AU-derived emotion of the clip, predicted from audio.</summary>
    Au = 4,

    /// <summary>All three tasks.</summary>
    All = Energy | Face | Au,
}

/// <summary>Parsing and naming of <see cref="PretextTasks"/> as the command line writes them (<c>energy,face,au</c>).</summary>
internal static class PretextTaskNames
{
    private static readonly (string Name, PretextTasks Task)[] s_names = [("energy", PretextTasks.Energy), ("face", PretextTasks.Face), ("au", PretextTasks.Au)];

    /// <summary>Parses a comma-separated list such as <c>energy,au</c>; <c>none</c> gives <see cref="PretextTasks.None"/>.</summary>
    /// <exception cref="ArgumentException">An unknown name.</exception>
    public static PretextTasks Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var tasks = PretextTasks.None;
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (part.Equals("none", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (part.Equals("all", StringComparison.OrdinalIgnoreCase))
            {
                tasks |= PretextTasks.All;
                continue;
            }

            var match = s_names.FirstOrDefault(n => n.Name.Equals(part, StringComparison.OrdinalIgnoreCase));
            if (match.Name is null)
            {
                throw new ArgumentException($"Unknown pretext task '{part}'. Use any of energy, face, au (comma-separated), all, or none.", nameof(text));
            }

            tasks |= match.Task;
        }

        return tasks;
    }

    /// <summary>The command-line form, e.g. <c>energy+au</c> joined by <paramref name="separator"/>; <c>none</c> when empty.</summary>
    public static string Format(PretextTasks tasks, string separator = ",")
    {
        var names = s_names.Where(n => tasks.HasFlag(n.Task)).Select(n => n.Name).ToArray();
        return names.Length == 0 ? "none" : string.Join(separator, names);
    }

    /// <summary>Every non-empty combination, singles first, then pairs, then all three.</summary>
    public static IReadOnlyList<PretextTasks> AllCombinations { get; } =
    [
        PretextTasks.Energy, PretextTasks.Face, PretextTasks.Au,
        PretextTasks.Energy | PretextTasks.Face, PretextTasks.Energy | PretextTasks.Au, PretextTasks.Face | PretextTasks.Au,
        PretextTasks.All,
    ];
}
