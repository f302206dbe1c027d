using XRayHpc.Data;
using XRayHpc.Explain;
using XRayHpc.Torch;
using XRayHpc.Training.Config;

namespace XRayHpc.Cli.Commands;

/// <summary>Loads the model a single-process command (cam, serve) names and maps its errors to exit codes.</summary>
static class ModelCommand
{
    public static int Run(string path, string checkpoint, string? cache, int threads, Action<InferenceModel, IModelSource> body)
    {
        try
        {
            var source = ModelSources.Open(path, checkpoint, cache);
            torch.set_num_threads(threads > 0 ? threads : Environment.ProcessorCount);
            using var model = new InferenceModel(source);
            body(model, source);
            return ExitCodes.Ok;
        }
        catch (ConfigException e) { Console.Error.WriteLine(e.Message); return ExitCodes.BadInput; }
        catch (DataFormatException e) { Console.Error.WriteLine(e.Message); return ExitCodes.BadInput; }
        catch (ArgumentException e) { Console.Error.WriteLine(e.Message); return ExitCodes.BadInput; }
        catch (NotSupportedException e) { Console.Error.WriteLine(e.Message); return ExitCodes.BadInput; }
        catch (IOException e) { Console.Error.WriteLine(e.Message); return ExitCodes.Failure; }
    }
}
