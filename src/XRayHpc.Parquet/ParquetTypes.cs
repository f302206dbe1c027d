namespace XRayHpc.Parquet;

/// <summary>Logical column types we read and write (String is BYTE_ARRAY annotated UTF8).</summary>
public enum ParquetType { Boolean, Int32, Int64, Float, Double, ByteArray, String, FixedLenByteArray }

/// <summary>Page compression codecs. Brotli is read only (no writer in the BCL we trust for speed).</summary>
public enum ParquetCodec { Uncompressed, Snappy, Gzip, Zstd, Brotli }
