using XRayHpc.Data;

namespace XRayHpc.Cache;

/// <summary>
/// Training needs rows in every split (train to learn, val to tune and pick the best checkpoint, test for the
/// final report): a cache with an empty split is an input error (exit 2), not a success that fails later.
/// </summary>
public static class SplitCheck
{
    /// <param name="stage">"planned" before any image is read; "written" after --skip-bad rejections.</param>
    public static void RequireRows(string inputDir, string dataset, IReadOnlyDictionary<string, long> rows, string stage)
    {
        var empty = SplitNames.All.Select(s => s.Name()).Where(n => rows.GetValueOrDefault(n) == 0).ToList();
        if (empty.Count == 0) return;
        var counts = string.Join(", ", SplitNames.All.Select(s => $"{s.Name()} {rows.GetValueOrDefault(s.Name())}"));
        throw new DataFormatException(inputDir,
            null, $"{dataset}: split{(empty.Count > 1 ? "s" : "")} {string.Join(", ", empty.Select(n => $"'{n}'"))} " +
                  $"{(empty.Count > 1 ? "are" : "is")} empty ({stage} rows: {counts}); training needs rows in train, val and test — " +
                  "check the input (a labels CSV with only its header, a wrong --layout or --classes) or add images");
    }
}
