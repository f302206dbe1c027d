using NLog;
using XRayHpc.Data;
using XRayHpc.Parquet;

namespace XRayHpc.Cache;

/// <summary>
/// raw dataset -> de-identified, patient-split Parquet cache. Steps: enumerate (adapter) -> hash
/// patients -> split by patient -> plan row groups/shards for the target rank count -> per shard:
/// decode + resize in parallel, write to a temp file, record a sidecar, rename -> manifest.yaml.
/// Every shard depends only on the plan, never on timing or earlier shards, so a killed run resumed
/// later produces the same bytes as an uninterrupted one.
/// </summary>
public static class Preprocessor
{
    static readonly Logger Log = LogManager.GetLogger("XRayHpc.Cache.Preprocessor");
    const string PartialSuffix = ".partial";

    public static PreprocessResult Run(PreprocessOptions o, IProgress<PreprocessProgress>? progress = null, CancellationToken cancel = default)
    {
        Validate(o);
        var hasher = PatientHasher.FromSaltFile(o.SaltFile ?? PatientHasher.DefaultSaltPath());
        var root = Path.GetFullPath(o.InputDir);
        var outDir = Path.GetFullPath(o.OutputDir);
        var adapter = DatasetAdapters.Open(o.Layout, root, new AdapterOptions
        {
            UncertaintyPolicy = o.Uncertainty, FrontalOnly = o.FrontalOnly, Classes = o.Classes,
        });
        progress?.Report(new PreprocessProgress(0, 0, 0, "scanning"));
        var items = adapter.Enumerate().ToList();
        var hashes = items.Select(it => string.IsNullOrEmpty(it.PatientId) ? "" : hasher.Hash(it.PatientId)).ToArray();
        Log.Info("{0}: {1} rows, {2} classes, size {3}, target ranks {4}", adapter.Name, items.Count, adapter.ClassNames.Count, o.ImageSize, o.TargetRanks);

        // Rows the adapter already knows are bad (missing image, unknown label value): stop at the first.
        var rejects = new List<RejectRecord>();
        var good = new List<int>(items.Count);
        for (int i = 0; i < items.Count; i++)
        {
            if (items[i].Error is { } err)
            {
                var rec = MakeReject(i, items[i], hashes[i], err.Reason, root);
                if (!o.SkipBad) throw new BadInputException(rec);
                rejects.Add(rec);
            }
            else good.Add(i);
        }

        // Split by the raw patient id (in memory only), not the salted hash: the split must not depend on the salt.
        var assigned = SplitPlanner.Assign(good.Select(i => (items[i].PatientId ?? "", items[i].OriginalSplit)).ToList(), o.ValFraction, o.TestFraction, o.Seed);
        var bySplit = SplitNames.All.ToDictionary(s => s, _ => new List<int>());
        for (int k = 0; k < good.Count; k++) bySplit[assigned[k]].Add(good[k]);

        var parameters = new PreprocessParameters
        {
            Dataset = adapter.Name, ClassNames = adapter.ClassNames.ToList(), ImageSize = o.ImageSize, Seed = o.Seed,
            TargetRanks = o.TargetRanks, ValFraction = o.ValFraction, TestFraction = o.TestFraction,
            UncertaintyPolicy = o.Uncertainty.ToString(), FrontalOnly = o.FrontalOnly, Codec = o.Codec.ToString(),
            SaltId = hasher.SaltId, CodeVersion = CodeVersion,
            PlannedRows = SplitNames.All.ToDictionary(s => s.Name(), s => (long)bySplit[s].Count),
        };
        SplitCheck.RequireRows(root, adapter.Name, parameters.PlannedRows, "usable");
        var plans = SplitNames.All.SelectMany(s => ShardPlanner.Plan(s, bySplit[s].Count, o.TargetRanks, o.MaxRowsPerGroup, o.RowGroupsPerShard)).ToList();

        Directory.CreateDirectory(Path.Combine(outDir, ".progress"));
        foreach (var s in SplitNames.All) Directory.CreateDirectory(Path.Combine(outDir, s.Name()));

        long total = good.Count, done = 0;
        int written = 0, kept = 0;
        var records = new Dictionary<ShardPlan, ShardRecord>();
        foreach (var plan in plans)
        {
            cancel.ThrowIfCancellationRequested();
            var splitItems = bySplit[plan.Split];
            var meta = ShardMetadataFor(parameters, plan);
            var metaYaml = ManifestYaml.Serialize(meta);
            var finalPath = Path.Combine(outDir, plan.RelativePath);
            var sidecarPath = ShardRecord.PathFor(outDir, plan.Split.Name(), plan.FileName);
            var record = TryKeep(finalPath, sidecarPath, metaYaml);
            if (record is not null)
            {
                kept++;
                Log.Info("{0}: kept (sha256 verified)", plan.RelativePath);
            }
            else
            {
                record = WriteShard(o, plan, splitItems, items, hashes, root, metaYaml, finalPath, sidecarPath, adapter.ClassNames.Count,
                    () => { var d = Interlocked.Increment(ref done); progress?.Report(new PreprocessProgress(d, total, rejects.Count, plan.RelativePath)); });
                written++;
                Log.Info("{0}: wrote {1} rows in {2} row groups", plan.RelativePath, record.Rows, record.RowGroupRows.Count);
            }
            records[plan] = record;
            done = records.Values.Sum(r => r.Rows + r.Rejects.Count); // kept shards count as done too
            rejects.AddRange(record.Rejects);
            progress?.Report(new PreprocessProgress(done, total, rejects.Count, plan.RelativePath));
        }
        RemoveStaleShards(outDir, plans);

        var manifest = BuildManifest(parameters, plans, records, bySplit, hashes, rejects.Count);
        RejectsFile.Write(outDir, rejects);
        // --skip-bad can empty a split that had rows planned: no manifest then, so nothing trains on it.
        SplitCheck.RequireRows(root, adapter.Name, manifest.Splits.ToDictionary(kv => kv.Key, kv => kv.Value.Rows), "written");
        manifest.Save(outDir);
        Log.Info("done: {0} shards written, {1} kept, {2} rejected; train/val/test rows {3}/{4}/{5}",
            written, kept, rejects.Count, manifest.Splits["train"].Rows, manifest.Splits["val"].Rows, manifest.Splits["test"].Rows);
        progress?.Report(new PreprocessProgress(total, total, rejects.Count, "done"));
        return new PreprocessResult(manifest, written, kept, rejects.Count);
    }

    public static string CodeVersion => typeof(Preprocessor).Assembly.GetName().Version?.ToString() ?? "0";

    static void Validate(PreprocessOptions o)
    {
        if (o.ImageSize < 8 || o.ImageSize > 4096) throw new ArgumentException($"--size {o.ImageSize}: expected 8..4096");
        if (o.TargetRanks < 1) throw new ArgumentException($"--target-ranks {o.TargetRanks}: expected ≥ 1");
        if (o.Threads < 1) throw new ArgumentException($"--threads {o.Threads}: expected ≥ 1");
        if (o.MaxRowsPerGroup < 1 || o.RowGroupsPerShard < 1) throw new ArgumentException("row group and shard sizes must be ≥ 1");
    }

    static ShardMetadata ShardMetadataFor(PreprocessParameters p, ShardPlan plan) => new()
    {
        Dataset = p.Dataset, ClassNames = p.ClassNames, ImageSize = p.ImageSize, Seed = p.Seed, TargetRanks = p.TargetRanks,
        ValFraction = p.ValFraction, TestFraction = p.TestFraction, UncertaintyPolicy = p.UncertaintyPolicy,
        FrontalOnly = p.FrontalOnly, Codec = p.Codec, SaltId = p.SaltId, CodeVersion = p.CodeVersion, PlannedRows = p.PlannedRows,
        SplitName = plan.Split.Name(), ShardIndex = plan.Index, FirstItem = plan.FirstItem,
        PlannedRowGroupRows = plan.RowGroups.Select(r => r.ItemCount).ToList(),
    };

    static ShardRecord? TryKeep(string finalPath, string sidecarPath, string metaYaml)
    {
        var rec = ShardRecord.TryLoad(sidecarPath);
        if (rec is null || !File.Exists(finalPath)) return null;
        if (rec.MetadataSha256 != ShardRecord.Sha256Hex(metaYaml) || rec.Sha256 != ShardRecord.FileSha256(finalPath))
        {
            Log.Warn("{0}: present but does not match the plan or its recorded sha256; rewriting", Path.GetFileName(finalPath));
            return null;
        }
        return rec;
    }

    sealed class DecodedRow
    {
        public byte[]? Pixels;
        public RejectRecord? Reject;
    }

    static ShardRecord WriteShard(PreprocessOptions o, ShardPlan plan, List<int> splitItems, List<RawItem> items, string[] hashes,
        string root, string metaYaml, string finalPath, string sidecarPath, int classCount, Action onRowDone)
    {
        int n = plan.ItemCount, first = plan.FirstItem, size = o.ImageSize;
        var rows = new DecodedRow[n];
        Parallel.For(0, n, new ParallelOptions { MaxDegreeOfParallelism = o.Threads }, k =>
        {
            int i = splitItems[first + k];
            rows[k] = Decode(i, items[i], hashes[i], size, root);
            onRowDone();
        });
        // Deterministic "first" bad input: the lowest item index in this shard.
        var firstBad = rows.FirstOrDefault(r => r.Reject is not null);
        if (firstBad is not null && !o.SkipBad) throw new BadInputException(firstBad.Reject!);

        var rec = new ShardRecord
        {
            MetadataSha256 = ShardRecord.Sha256Hex(metaYaml),
            Positives = new long[classCount].ToList(),
            Negatives = new long[classCount].ToList(),
        };
        var stats = new PixelStats();
        var tmp = finalPath + PartialSuffix;
        var writeOptions = new ParquetWriteOptions
        {
            Codec = o.Codec, RowGroupRowLimit = int.MaxValue, WriteStatistics = false, DictionaryForStrings = false,
            KeyValueMetadata = new Dictionary<string, string> { [CacheManifest.MetadataKey] = metaYaml },
        };
        using (var writer = new ParquetFileWriter(tmp, CacheSchema.Create(), writeOptions))
        {
            int at = 0;
            foreach (var rg in plan.RowGroups)
            {
                var ks = Enumerable.Range(at, rg.ItemCount).Where(k => rows[k].Reject is null).ToArray();
                foreach (var k in Enumerable.Range(at, rg.ItemCount).Where(k => rows[k].Reject is not null)) rec.Rejects.Add(rows[k].Reject!);
                at += rg.ItemCount;
                if (ks.Length == 0) continue;
                var its = ks.Select(k => items[splitItems[first + k]]).ToArray();
                foreach (var k in ks) stats.Add(PixelStats.Of(rows[k].Pixels));
                foreach (var it in its)
                    for (int c = 0; c < classCount; c++)
                        if (it.LabelMask[c] > 0) { if (it.Labels[c] >= 0.5f) rec.Positives[c]++; else rec.Negatives[c]++; }
                writer.WriteRowGroup(new RowGroup(
                    ColumnData.FromBinary(ks.Select(k => rows[k].Pixels).ToArray()),
                    ColumnData.FromInt32(Enumerable.Repeat(size, ks.Length).ToArray()),
                    ColumnData.FromInt32(Enumerable.Repeat(size, ks.Length).ToArray()),
                    ColumnData.FromFloatLists(its.Select(it => it.Labels).ToArray()),
                    ColumnData.FromFloatLists(its.Select(it => it.LabelMask).ToArray()),
                    ColumnData.FromStrings(ks.Select(k => hashes[splitItems[first + k]]).ToArray()),
                    ColumnData.FromStrings(its.Select(it => it.View).ToArray()),
                    ColumnData.FromInt64(its.Select(it => it.SourceRow).ToArray())));
                rec.RowGroupRows.Add(ks.Length);
                rec.Rows += ks.Length;
            }
        }
        rec.PixelCount = stats.Count; rec.PixelSum = stats.Sum; rec.PixelSumSquares = stats.SumSquares;
        rec.Sha256 = ShardRecord.FileSha256(tmp);
        // Sidecar first, then the rename: a shard that exists under its final name always has a sidecar.
        rec.Save(sidecarPath);
        File.Move(tmp, finalPath, overwrite: true);
        return rec;
    }

    static DecodedRow Decode(int item, RawItem it, string hash, int size, string root)
    {
        try
        {
            var img = ImageDecoder.Decode(it.ImagePath, size);
            var px = img.Width == size && img.Height == size ? img.Pixels : ImageResize.Resize(img.Pixels, img.Width, img.Height, size, size);
            return new DecodedRow { Pixels = px };
        }
        catch (DataFormatException e) { return new DecodedRow { Reject = MakeReject(item, it, hash, e.Reason, root) }; }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A decoder bug on a strange file is still that file's problem: name it rather than abort the run.
            return new DecodedRow { Reject = MakeReject(item, it, hash, $"cannot decode image: {e.GetType().Name}: {e.Message}", root) };
        }
    }

    static RejectRecord MakeReject(int item, RawItem it, string hash, string reason, string root)
    {
        var rootPrefix = root.TrimEnd('/') + "/";
        reason = reason.Replace(rootPrefix, "", StringComparison.Ordinal);
        return new RejectRecord
        {
            Item = item,
            SourceFile = PhiRedactor.Redact(PhiRedactor.RelativeToRoot(it.SourceFile, root), it.PatientId, hash),
            SourceRow = it.SourceRow,
            Reason = PhiRedactor.Redact(reason, it.PatientId, hash),
        };
    }

    static void RemoveStaleShards(string outDir, List<ShardPlan> plans)
    {
        var planned = plans.Select(p => Path.Combine(outDir, p.RelativePath)).ToHashSet();
        foreach (var s in SplitNames.All)
            foreach (var f in Directory.EnumerateFiles(Path.Combine(outDir, s.Name()), "part-*"))
                if (!planned.Contains(f)) { File.Delete(f); Log.Info("{0}/{1}: removed (not in the current plan)", s.Name(), Path.GetFileName(f)); }
    }

    static CacheManifest BuildManifest(PreprocessParameters p, List<ShardPlan> plans, Dictionary<ShardPlan, ShardRecord> records,
        Dictionary<Split, List<int>> bySplit, string[] hashes, long rejected)
    {
        var m = new CacheManifest
        {
            Dataset = p.Dataset, ClassNames = p.ClassNames, ImageSize = p.ImageSize, Seed = p.Seed, TargetRanks = p.TargetRanks,
            ValFraction = p.ValFraction, TestFraction = p.TestFraction, UncertaintyPolicy = p.UncertaintyPolicy,
            FrontalOnly = p.FrontalOnly, Codec = p.Codec, SaltId = p.SaltId, CodeVersion = p.CodeVersion, PlannedRows = p.PlannedRows,
            Rejected = rejected,
        };
        var trainStats = new PixelStats();
        foreach (var s in SplitNames.All)
        {
            var entry = new SplitEntry { Positives = new long[p.ClassNames.Count].ToList(), Negatives = new long[p.ClassNames.Count].ToList() };
            var rejectedItems = new HashSet<long>();
            foreach (var plan in plans.Where(x => x.Split == s))
            {
                var r = records[plan];
                entry.Rows += r.Rows;
                for (int c = 0; c < p.ClassNames.Count; c++) { entry.Positives[c] += r.Positives[c]; entry.Negatives[c] += r.Negatives[c]; }
                entry.Shards.Add(new ShardEntry { Path = plan.RelativePath, Rows = r.Rows, RowGroupRows = r.RowGroupRows, Sha256 = r.Sha256 });
                foreach (var rej in r.Rejects) rejectedItems.Add(rej.Item);
                if (s == Split.Train) trainStats.Add(new PixelStats { Count = r.PixelCount, Sum = r.PixelSum, SumSquares = r.PixelSumSquares });
            }
            entry.Patients = bySplit[s].Where(i => !rejectedItems.Contains(i)).Select(i => hashes[i]).Distinct().LongCount();
            m.Splits[s.Name()] = entry;
        }
        m.PixelMean = trainStats.Mean;
        m.PixelStd = trainStats.Std;
        return m;
    }
}
