using XRayHpc.Data.Adapters;

namespace XRayHpc.Data;

/// <summary>Opens a raw dataset by layout name.</summary>
public static class DatasetAdapters
{
    public static readonly IReadOnlyList<string> LayoutNames = ["chestxray2017", "nih", "chexpert", "rsna"];

    /// <param name="layout">chestxray2017 | nih | chexpert | rsna | auto (detected from the files under root).</param>
    public static IDatasetAdapter Open(string layout, string root, AdapterOptions? options = null)
    {
        options ??= new AdapterOptions();
        if (!Directory.Exists(root)) throw new DataFormatException(root, null, "dataset root does not exist");
        var name = layout.ToLowerInvariant();
        if (name == "auto") name = Detect(root) ?? throw new DataFormatException(root, null,
            "cannot detect the dataset layout (expected Data_Entry_2017.csv, train.csv, stage_2_train_labels.csv or train/NORMAL|PNEUMONIA folders)");
        return name switch
        {
            "chestxray2017" => new ChestXRay2017Adapter(root, options),
            "nih" => new NihAdapter(root, options),
            "chexpert" => new CheXpertAdapter(root, options),
            "rsna" => new RsnaAdapter(root, options),
            _ => throw new ArgumentException($"unknown dataset layout '{layout}' (expected {string.Join(", ", LayoutNames)} or auto)", nameof(layout)),
        };
    }

    /// <summary>The layout whose marker files exist under root, or null.</summary>
    public static string? Detect(string root)
    {
        if (File.Exists(Path.Combine(root, NihAdapter.CsvName))) return "nih";
        if (File.Exists(Path.Combine(root, RsnaAdapter.CsvName))) return "rsna";
        if (CheXpertAdapter.FindCsvDir(root) is not null) return "chexpert";
        if (ChestXRay2017Adapter.FindSplitRoot(root) is not null) return "chestxray2017";
        return null;
    }
}
