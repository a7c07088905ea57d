using System;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

/// <summary>
/// Sets VER_FLG_WEAK on one version need of a 64-bit little-endian ELF shared library (section
/// SHT_GNU_verneed), so that glibc's loader warns instead of failing when that version is absent.
/// Idempotent: a file already patched is left as it is.
/// </summary>
public sealed class WeakenElfVersionNeed : Task
{
    const uint ShtGnuVerneed = 0x6ffffffe;
    const ushort VerFlgWeak = 0x2;

    [Required] public ITaskItem[] Files { get; set; } = Array.Empty<ITaskItem>();
    [Required] public string Version { get; set; } = "";

    public override bool Execute()
    {
        foreach (var item in Files)
        {
            var path = item.ItemSpec;
            try
            {
                var patched = Patch(path, Version);
                Log.LogMessage(MessageImportance.Normal, "{0}: {1}", path, patched);
            }
            catch (Exception e)
            {
                Log.LogError("Could not weaken version need {0} in {1}: {2}", Version, path, e.Message);
                return false;
            }
        }
        return true;
    }

    static string Patch(string path, string version)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 64 || bytes[0] != 0x7f || bytes[1] != 'E' || bytes[2] != 'L' || bytes[3] != 'F')
            throw new InvalidDataException("not an ELF file");
        if (bytes[4] != 2 || bytes[5] != 1)
            throw new InvalidDataException("only 64-bit little-endian ELF is supported");

        long shoff = BitConverter.ToInt64(bytes, 0x28);
        int shentsize = BitConverter.ToUInt16(bytes, 0x3A);
        int shnum = BitConverter.ToUInt16(bytes, 0x3C);
        for (int s = 0; s < shnum; s++)
        {
            long sh = shoff + (long)s * shentsize;
            if (BitConverter.ToUInt32(bytes, (int)sh + 4) != ShtGnuVerneed) continue;
            long offset = BitConverter.ToInt64(bytes, (int)sh + 0x18);
            int link = (int)BitConverter.ToUInt32(bytes, (int)sh + 0x28);
            long strtab = BitConverter.ToInt64(bytes, (int)(shoff + (long)link * shentsize) + 0x18);

            long need = offset;
            while (true)
            {
                int count = BitConverter.ToUInt16(bytes, (int)need + 2);
                long aux = need + BitConverter.ToUInt32(bytes, (int)need + 8);
                for (int a = 0; a < count; a++)
                {
                    var name = ReadString(bytes, strtab + BitConverter.ToUInt32(bytes, (int)aux + 8));
                    if (name == version)
                    {
                        ushort flags = BitConverter.ToUInt16(bytes, (int)aux + 4);
                        if ((flags & VerFlgWeak) != 0) return "already weak";
                        BitConverter.GetBytes((ushort)(flags | VerFlgWeak)).CopyTo(bytes, (int)aux + 4);
                        File.WriteAllBytes(path, bytes);
                        return "version need made weak";
                    }
                    uint nextAux = BitConverter.ToUInt32(bytes, (int)aux + 12);
                    if (nextAux == 0) break;
                    aux += nextAux;
                }
                uint next = BitConverter.ToUInt32(bytes, (int)need + 12);
                if (next == 0) break;
                need += next;
            }
        }
        return "no such version need";
    }

    static string ReadString(byte[] bytes, long at)
    {
        int end = (int)at;
        while (bytes[end] != 0) end++;
        return Encoding.ASCII.GetString(bytes, (int)at, end - (int)at);
    }
}
