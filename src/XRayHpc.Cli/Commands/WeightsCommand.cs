using System.CommandLine;
using XRayHpc.Torch;
using XRayHpc.Torch.serialization;

namespace XRayHpc.Cli.Commands;

/// <summary>
/// `xrayhpc weights import IN.pth --out OUT.safetensors`: converts a torch.save state_dict (read by the
/// restricted unpickler, nothing in it executed) or a safetensors file to safetensors, printing every key,
/// shape and dtype. Exit 2 for a file that is not a state_dict or that the unpickler refuses.
/// </summary>
public sealed class WeightsCommand : ICliCommand
{
    public int Order => 45;

    public Command Build()
    {
        var input = new Argument<string>("in") { Description = ".pth/.pt (torch.save, zip or legacy format) or .safetensors" };
        var output = new Option<string>("--out") { Description = "safetensors file to write", Required = true };
        var import = new Command("import", "Read a PyTorch state_dict without executing it and write it as safetensors; prints keys, shapes and dtypes.");
        import.Arguments.Add(input);
        import.Options.Add(output);
        import.SetAction(r => Import(r.GetValue(input)!, r.GetValue(output)!));
        var cmd = new Command("weights", "Weight files: import PyTorch checkpoints for model.init.");
        cmd.Subcommands.Add(import);
        return cmd;
    }

    static int Import(string input, string output)
    {
        OrderedDictionary<string, Tensor> tensors;
        string format;
        try { (tensors, format) = WeightsFile.Load(input); }
        catch (Exception e) when (e is InvalidDataException or UnsafePickleException) { Console.Error.WriteLine(e.Message); return ExitCodes.BadInput; }
        catch (IOException e) { Console.Error.WriteLine(e.Message); return ExitCodes.BadInput; }
        try
        {
            long bytes = 0;
            foreach (var (k, t) in tensors)
            {
                Console.WriteLine($"{k}\t[{string.Join(", ", t.shape)}]\t{t.dtype}");
                bytes += t.numel() * t.element_size();
            }
            // Written to a temporary name and renamed: an interrupted import leaves no half file behind.
            var tmp = output + ".tmp";
            Safetensors.Save(tmp, tensors, new Dictionary<string, string> { ["source"] = Path.GetFileName(input), ["source_format"] = format });
            File.Move(tmp, output, overwrite: true);
            Console.WriteLine($"weights import: {tensors.Count} tensors, {bytes / 1e6:F1} MB from {input} ({format}) -> {output}");
            return ExitCodes.Ok;
        }
        finally { foreach (var t in tensors.Values) t.Dispose(); }
    }
}
