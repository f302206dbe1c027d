using System.Globalization;
using System.Text;

namespace XRayHpc.Explain;

/// <summary>Writes a 2-D float32 array as NumPy .npy (format 1.0, little-endian, C order): numpy.load reads it as is.</summary>
public static class NpyFile
{
    public static void Write(string path, ReadOnlySpan<float> values, int rows, int cols)
    {
        if (values.Length != rows * cols) throw new ArgumentException($"{values.Length} values for {rows}x{cols}");
        var dict = string.Create(CultureInfo.InvariantCulture, $"{{'descr': '<f4', 'fortran_order': False, 'shape': ({rows}, {cols}), }}");
        // Magic (6) + version (2) + header length (2) + header, padded with spaces to a multiple of 64 and ended by \n.
        int total = 10 + dict.Length + 1;
        var header = dict + new string(' ', (64 - total % 64) % 64) + "\n";
        using var f = new FileStream(path, FileMode.Create, FileAccess.Write);
        f.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0]);
        f.Write([(byte)(header.Length & 0xFF), (byte)(header.Length >> 8)]);
        f.Write(Encoding.ASCII.GetBytes(header));
        var bytes = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++) System.Buffers.Binary.BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), values[i]);
        f.Write(bytes);
    }
}
