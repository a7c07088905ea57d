using System.Text;
using LLama;
using LLama.Common;
using LLama.Sampling;

namespace Ttm.Pipeline.Planning;

/// <summary>
/// A GGUF model the user supplies (the paper used Llama 3.1 8B Instruct), run in-process by LLamaSharp on the
/// CPU (add a LLamaSharp.Backend.* package to the host for the native library). Greedy decoding, answers end
/// at a blank line. Loaded once; a missing or unreadable file is a clear error at start-up.
/// </summary>
public sealed class LlamaChatCompletion : IChatCompletion, IDisposable
{
    readonly LLamaWeights weights;
    readonly ModelParams parameters;
    readonly string file;

    readonly int maxTokens;

    public LlamaChatCompletion(string ggufPath, int contextSize = 2048, int maxTokens = 256)
    {
        this.maxTokens = maxTokens;
        if (!File.Exists(ggufPath)) throw new FileNotFoundException($"No GGUF model at '{ggufPath}'.", ggufPath);
        using (var stream = File.OpenRead(ggufPath))
        {
            var magic = new byte[4];
            if (stream.Read(magic) < 4 || System.Text.Encoding.ASCII.GetString(magic) != "GGUF")
                throw new InvalidDataException($"'{ggufPath}' is not a GGUF model file (it does not start with the GGUF magic).");
        }
        file = Path.GetFileName(ggufPath);
        parameters = new ModelParams(ggufPath) { ContextSize = (uint)contextSize, GpuLayerCount = 0 };
        weights = LLamaWeights.LoadFromFile(parameters);
    }

    public string Describe => $"gguf:{file}";

    public async Task<string> CompleteAsync(string prompt, CancellationToken cancellationToken)
    {
        var executor = new StatelessExecutor(weights, parameters);
        var inference = new InferenceParams
        {
            MaxTokens = maxTokens,
            AntiPrompts = ["\n\n", "Caption:"],
            SamplingPipeline = new DefaultSamplingPipeline { Temperature = 0 },
        };
        var answer = new StringBuilder();
        await foreach (var piece in executor.InferAsync(prompt, inference, cancellationToken))
            answer.Append(piece);
        return "Answer: " + answer.ToString().Replace("Caption:", "").Trim();
    }

    public void Dispose() => weights.Dispose();
}
