namespace XRayHpc.Cache;

/// <summary>Write-to-temp-then-rename, so a reader (or a resumed run) never sees half a file.</summary>
public static class AtomicFile
{
    public static void WriteAllText(string path, string text)
    {
        var tmp = path + ".tmp";
        File.WriteAllText(tmp, text);
        File.Move(tmp, path, overwrite: true);
    }
}
