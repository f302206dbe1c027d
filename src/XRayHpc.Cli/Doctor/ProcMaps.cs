namespace XRayHpc.Cli.Doctor;

/// <summary>Shared libraries mapped into a process, from /proc/&lt;pid&gt;/maps text (the files really loaded, after symlinks and alternatives).</summary>
public static class ProcMaps
{
    public static IReadOnlyList<string> Libraries(string mapsText)
    {
        var seen = new List<string>();
        foreach (var line in mapsText.Split('\n'))
        {
            // address perms offset dev inode pathname; the path is the 6th field and may contain spaces.
            var parts = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length < 6) continue;
            var path = parts[5].Trim();
            if (!path.StartsWith('/') || !path.Contains(".so", StringComparison.Ordinal)) continue;
            if (path.EndsWith(" (deleted)", StringComparison.Ordinal)) path = path[..^10];
            if (!seen.Contains(path)) seen.Add(path);
        }
        return seen;
    }

    public static IReadOnlyList<string> OfThisProcess()
    {
        try { return Libraries(File.ReadAllText("/proc/self/maps")); }
        catch (IOException) { return []; }
        catch (UnauthorizedAccessException) { return []; }
    }
}
