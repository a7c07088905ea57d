using System.Text.Json;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Ttm.Models.Weights;

/// <summary>
/// A trained network on disk: <c>model.safetensors</c> with <c>config.json</c> beside it. Loading checks the
/// file's tensor names and shapes against the network the config builds, and names the first offending
/// tensor (nanoGPT's from_pretrained), so larger real weights fail loudly rather than half-load.
/// </summary>
public static class ModelWeights
{
    public const string WeightsFile = "model.safetensors";
    public const string ConfigFile = "config.json";

    public static void Save(VideoDenoiser model, string directory)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, ConfigFile), model.Config.ToJson());
        // Write then rename, so a reader never sees half a file (checkpoints are written while serving).
        var target = Path.Combine(directory, WeightsFile);
        var temporary = target + ".tmp";
        model.save_safetensors(temporary);
        File.Move(temporary, target, overwrite: true);
    }

    public static TtmConfig ReadConfig(string directory)
    {
        var path = Path.Combine(directory, ConfigFile);
        if (!File.Exists(path)) throw new FileNotFoundException($"No {ConfigFile} in model folder '{directory}'.", path);
        return TtmConfig.FromJson(File.ReadAllText(path));
    }

    /// <summary>Builds the DiT from config.json and loads its weights, after checking every name and shape.</summary>
    public static VideoDit Load(string directory, Device? device = null)
    {
        var config = ReadConfig(directory);
        if (config.Backbone != Backbone.Dit)
            throw new InvalidDataException($"Model folder '{directory}' holds a {config.Backbone}; this path runs the DiT only (load it with {nameof(LoadNetwork)}).");
        return (VideoDit)LoadNetwork(directory, device);
    }

    /// <summary>Builds the network config.json names (either backbone) and loads its weights, after checking every name and shape.</summary>
    public static VideoDenoiser LoadNetwork(string directory, Device? device = null)
    {
        var model = VideoDenoiser.Create(ReadConfig(directory));
        try
        {
            LoadInto(model, Path.Combine(directory, WeightsFile));
            if (device is not null) model.to(device);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Builds the network config.json names with its parameters on libtorch's meta device (shapes, no storage, no weights
    /// read): what a simulated device serves, whose passes read only the configuration. Holds no memory for its weights.
    /// </summary>
    public static VideoDenoiser LoadShapeOnly(string directory)
    {
        var model = VideoDenoiser.Create(ReadConfig(directory));
        model.to(new Device(DeviceType.META));
        return model;
    }

    /// <summary>Loads a safetensors file into an existing network; throws naming the first missing, unexpected or mis-shaped tensor.</summary>
    /// <param name="mayLack">tensors the file may lack, which keep the network's own initial values (default: none)</param>
    public static void LoadInto(nn.Module model, string file, Func<string, bool>? mayLack = null)
    {
        if (!File.Exists(file)) throw new FileNotFoundException($"No weights file '{file}'.", file);
        var stored = ReadHeader(file);
        var expected = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.shape);
        foreach (var (name, shape) in expected)
        {
            if (!stored.TryGetValue(name, out var storedShape))
            {
                if (mayLack?.Invoke(name) == true) continue;
                throw new InvalidDataException($"Weights file '{Path.GetFileName(file)}' lacks tensor '{name}' (shape [{string.Join(", ", shape)}]).");
            }
            if (!storedShape.SequenceEqual(shape))
                throw new InvalidDataException(
                    $"Tensor '{name}' has shape [{string.Join(", ", storedShape)}] in '{Path.GetFileName(file)}' but the model expects [{string.Join(", ", shape)}].");
        }
        var unexpected = stored.Keys.FirstOrDefault(k => !expected.ContainsKey(k));
        if (unexpected is not null)
            throw new InvalidDataException($"Weights file '{Path.GetFileName(file)}' has tensor '{unexpected}' that the model does not.");
        model.load_safetensors(file, strict: !expected.Keys.Any(k => !stored.ContainsKey(k)));
    }

    /// <summary>Tensor names and shapes from a safetensors header (8-byte little-endian length, then JSON).</summary>
    public static Dictionary<string, long[]> ReadHeader(string file)
    {
        using var stream = File.OpenRead(file);
        var lengthBytes = new byte[8];
        stream.ReadExactly(lengthBytes);
        long length = BitConverter.ToInt64(lengthBytes);
        if (length <= 0 || length > 100_000_000 || length > stream.Length - 8)
            throw new InvalidDataException($"'{Path.GetFileName(file)}' is not a safetensors file (header length {length}).");
        var header = new byte[length];
        stream.ReadExactly(header);
        using var json = JsonDocument.Parse(header);
        var shapes = new Dictionary<string, long[]>();
        foreach (var entry in json.RootElement.EnumerateObject())
        {
            if (entry.Name == "__metadata__") continue;
            shapes[entry.Name] = entry.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray();
        }
        return shapes;
    }
}
