using System.Globalization;

namespace XRayHpc.Training.Train;

/// <summary>
/// The one predictions CSV, written by training (the run's predictions.csv: the best member on the test split)
/// and by `xrayhpc predict`: `member,row,class,score,label`, one line per (row, class), rows in the split's
/// order and classes in the cache's. member: the population member whose weights scored the image (for a
/// package, the member it was selected from); row: the image's row in the cache split; class: the class name;
/// score: the model's probability for the class (sigmoid, or softmax for multiclass), round-trip text; label:
/// the true label, 0 or 1, and empty where it does not count (masked: uncertain or not annotated). Masked
/// pairs are written, not dropped, so every image of the split is in the file and no reader mistakes a masked
/// label for a negative. `xrayhpc report` reads it by column name.
/// </summary>
public static class PredictionsCsv
{
    public const string Header = "member,row,class,score,label";

    public static void Write(string path, int member, SplitScores s, IReadOnlyList<string> classes)
    {
        int c = classes.Count;
        using var w = new StreamWriter(path);
        w.WriteLine(Header);
        for (int i = 0; i < s.Rows.Length; i++)
            for (int k = 0; k < c; k++)
            {
                var label = s.Mask[i * c + k] == 0 ? "" : s.Labels[i * c + k].ToString("R", CultureInfo.InvariantCulture);
                w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{member},{s.Rows[i]},{classes[k]},{s.Scores[i * c + k]:R},{label}"));
            }
    }
}
