using Ttm.Models.Text;

namespace Ttm.Pipeline.Tests;

/// <summary>
/// The text encoder this test process's classes share, as the one host they stand for would hold it: its ONNX session takes
/// a second to load. Hosts and CLI commands load their own (<see cref="MiniLmTextEncoder.Load"/>).
/// </summary>
static class MiniLm
{
    public static MiniLmTextEncoder Encoder { get; } = MiniLmTextEncoder.Load();
}
