using System.Security.Cryptography;
using System.Text;

namespace XRayHpc.Cache;

/// <summary>
/// De-identification: patient_hash = first 16 hex digits of HMAC-SHA256(salt, raw patient id).
/// The salt is a secret kept OUT of the cache (a key file, default ~/.xrayhpc/patient-salt): public
/// datasets number their patients densely (NIH: 1..30805), so a salt stored beside the data would let
/// anyone recompute every hash in a second and re-identify rows. The manifest records only
/// <see cref="SaltId"/>, a one-way fingerprint, so a resumed run can prove it used the same key.
/// 64 bits of hash make a collision among 10^5 patients ~3e-10 likely.
/// </summary>
public sealed class PatientHasher
{
    readonly byte[] _salt;

    public PatientHasher(byte[] salt)
    {
        if (salt.Length < 16) throw new ArgumentException("patient salt must be at least 16 bytes");
        _salt = (byte[])salt.Clone();
    }

    public string Hash(string rawPatientId)
    {
        var mac = HMACSHA256.HashData(_salt, Encoding.UTF8.GetBytes(rawPatientId));
        return Convert.ToHexStringLower(mac, 0, 8);
    }

    /// <summary>Fingerprint of the salt for the manifest; reveals nothing usable about the salt.</summary>
    public string SaltId => Convert.ToHexStringLower(
        SHA256.HashData(Encoding.UTF8.GetBytes("xrayhpc-salt-id:" + Convert.ToHexString(_salt))), 0, 8);

    /// <summary>
    /// Reads the salt file, creating it (32 random bytes as hex, owner-only permissions) when absent.
    /// </summary>
    public static PatientHasher FromSaltFile(string path)
    {
        path = Path.GetFullPath(path);
        if (!File.Exists(path))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var tmp = path + ".tmp" + Environment.ProcessId;
            File.WriteAllText(tmp, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)) + "\n");
            if (!OperatingSystem.IsWindows())
                File.SetUnixFileMode(tmp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            try { File.Move(tmp, path, overwrite: false); }
            catch (IOException) { File.Delete(tmp); } // another process created it first: use theirs
        }
        var text = File.ReadAllText(path).Trim();
        byte[] salt;
        try { salt = Convert.FromHexString(text); }
        catch (FormatException) { salt = Encoding.UTF8.GetBytes(text); }
        if (salt.Length < 16) throw new InvalidDataException($"{path}: patient salt must hold at least 16 bytes (32 hex digits)");
        return new PatientHasher(salt);
    }

    public static string DefaultSaltPath() =>
        Environment.GetEnvironmentVariable("XRAYHPC_SALT_FILE") is { Length: > 0 } p ? p
        : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".xrayhpc", "patient-salt");
}
