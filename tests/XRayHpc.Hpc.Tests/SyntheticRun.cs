using System.Globalization;
using System.Text;

namespace XRayHpc.Hpc.Tests;

/// <summary>
/// Writes a small run directory in the trainer's format (src/XRayHpc.Training/README.md) with known content: 2 members, 3 classes,
/// 4 evaluations each, one exploit and one restart in the lineage, and test predictions whose AUROC per
/// class is known in closed form. Lets the report be tested without running training.
/// </summary>
public static class SyntheticRun
{
    public static readonly string[] Classes = ["Atelectasis", "Effusion", "Pneumonia"];

    public static string Write(string dir)
    {
        Directory.CreateDirectory(dir);
        var inv = CultureInfo.InvariantCulture;
        var metrics = new StringBuilder();
        for (int round = 1; round <= 4; round++)
            for (int m = 0; m < 2; m++)
            {
                long step = round * 20;
                double auroc = 0.5 + 0.08 * round + 0.02 * m;
                double lr = m == 0 ? 0.01 : (round >= 3 ? 0.012 : 0.05);
                var per = string.Join(",", Classes.Select((c, i) => $"\"{c}\":{(auroc + 0.01 * i).ToString(inv)}"));
                // member 1's first validation loss is non-finite (written as a string, as the trainer does).
                string valLoss = m == 1 && round == 1 ? "\"NaN\"" : (0.9 - 0.1 * round).ToString(inv);
                metrics.Append($"{{\"member\":{m},\"round\":{round},\"step\":{step},\"epoch\":{round / 2},\"time_s\":{(round * 3.5).ToString(inv)},")
                       .Append($"\"train_loss\":{(1.0 - 0.15 * round - 0.01 * m).ToString(inv)},\"val_loss\":{valLoss},\"mean_auroc\":{auroc.ToString(inv)},")
                       .Append($"\"auroc\":{{{per}}},\"accuracy\":0.8,\"precision\":0.5,\"recall\":0.5,\"specificity\":0.9,\"f1\":0.5,\"threshold\":0.5,")
                       .Append($"\"lr\":{lr.ToString(inv)},\"momentum\":0.9,\"weight_decay\":0.0001,\"batch_size\":16,\"images_per_s\":{(40 + m + round).ToString(inv)},\"skipped_steps\":0")
                       // member 1 has no allreduce_share or phase_s, as in runs written before the fields existed.
                       .Append(m == 0 ? $",\"allreduce_share\":{(0.05 + 0.01 * round).ToString(inv)},\"phase_s\":{{\"data\":1,\"forward\":2,\"backward\":3,\"evaluation\":{round.ToString(inv)}}}}}\n" : "}\n");
            }
        File.WriteAllText(Path.Combine(dir, "metrics.jsonl"), metrics.ToString());

        File.WriteAllText(Path.Combine(dir, "lineage.jsonl"),
            "{\"round\":2,\"step\":40,\"target\":1,\"source\":0,\"kind\":\"exploit\",\"old\":{\"lr\":0.05},\"new\":{\"lr\":0.012}}\n" +
            "{\"round\":3,\"step\":60,\"target\":0,\"source\":null,\"kind\":\"restart\",\"old\":{\"lr\":0.01},\"new\":{\"lr\":0.01}}\n");

        // Class k: 4 positives and 4 negatives; the scores are arranged so AUROC(k) = ExpectedAuroc[k].
        var pred = new StringBuilder("member,row,class,score,label\n");
        for (int k = 0; k < Classes.Length; k++)
            foreach (var (row, score, label) in PredictionRows(k))
                pred.Append($"1,{row},{Classes[k]},{score.ToString(inv)},{label}\n");
        File.WriteAllText(Path.Combine(dir, "predictions.csv"), pred.ToString());

        File.WriteAllText(Path.Combine(dir, "summary.json"),
            "{\"best_member\":1,\"hyperparameters\":{\"lr\":0.012,\"momentum\":0.9},\"val_mean_auroc\":0.84,\"test_mean_auroc\":0.8,"
            + "\"auroc\":{" + string.Join(",", Classes.Select((c, k) => $"\"{c}\":{ExpectedAuroc[k].ToString(inv)}")) + "},"
            + "\"images_per_s\":44.5,\"wall_s\":12.3,\"ranks\":2,\"threads\":1,\"model\":\"resnet18\",\"precision\":\"bf16\"}\n");
        File.WriteAllText(Path.Combine(dir, "config.resolved.yaml"), "run:\n  name: synthetic\nmodel:\n  name: resnet18\n");
        return dir;
    }

    /// <summary>1.0 (perfect separation), 0.5 (all scores tied), 0.75 (12 of 16 pairs ordered, counted below).</summary>
    public static readonly double[] ExpectedAuroc = [1.0, 0.5, 0.75];

    static IEnumerable<(int Row, double Score, int Label)> PredictionRows(int k)
    {
        switch (k)
        {
            case 0: // positives all above negatives
                for (int i = 0; i < 4; i++) yield return (i, 0.9 - 0.01 * i, 1);
                for (int i = 0; i < 4; i++) yield return (4 + i, 0.1 + 0.01 * i, 0);
                break;
            case 1: // every score equal: a single diagonal step
                for (int i = 0; i < 8; i++) yield return (i, 0.5, i < 4 ? 1 : 0);
                break;
            default:
                // Pairs with positive > negative: 0.9 and 0.8 beat all four (8), 0.55 and 0.35 beat 0.3
                // and 0.1 (2 + 2): 12 of 16 = 0.75.
                double[] pos = [0.9, 0.8, 0.55, 0.35], neg = [0.7, 0.6, 0.3, 0.1];
                for (int i = 0; i < 4; i++) yield return (i, pos[i], 1);
                for (int i = 0; i < 4; i++) yield return (4 + i, neg[i], 0);
                break;
        }
    }
}
