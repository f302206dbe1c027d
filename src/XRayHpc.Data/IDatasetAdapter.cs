namespace XRayHpc.Data;

/// <summary>A raw dataset layout turned into a stream of <see cref="RawItem"/>s in a stable order.</summary>
public interface IDatasetAdapter
{
    /// <summary>Layout name: chestxray2017, nih, chexpert or rsna.</summary>
    string Name { get; }
    /// <summary>Label order of <see cref="RawItem.Labels"/> and <see cref="RawItem.LabelMask"/>.</summary>
    IReadOnlyList<string> ClassNames { get; }
    /// <summary>Never throws for a bad row (it is yielded with Error set); throws
    /// <see cref="DataFormatException"/> only when the dataset as a whole is unreadable (missing CSV or column).</summary>
    IEnumerable<RawItem> Enumerate();
}
