using Ttm.Models.Onnx;
using static TorchSharp.torch;

namespace Ttm.Models.Tests;

public sealed class OnnxForwardTests
{
    /// <summary>Three rows with their own objects, prompts (different lengths, so padded) and flow times.</summary>
    static DitBatch Rows(TtmConfig config, out List<StageConditions> rows)
    {
        rows = [TestWorld.Conditions(config, 1, seed: 3), TestWorld.Conditions(config, 3, seed: 4), TestWorld.Conditions(config, 2, seed: 5)];
        using var g = new Generator(11);
        using var noisy = randn([3, 3, config.Frames, config.Height, config.Width], generator: g);
        using var time = tensor(new[] { 0.1f, 0.5f, 0.9f });
        return StageConditions.Collate(rows, noisy, time, config.TextWidth);
    }

    /// <summary>Every weight non-zero, the added layers' gates included, so each layer shows in the output.</summary>
    static void Randomise(VideoDenoiser model)
    {
        TestWorld.Randomise(model);
        using var _ = no_grad();
        foreach (var (name, p) in model.named_parameters())
            if (name.Contains("gate")) p.fill_(0.7f);
    }

    [Theory]
    [InlineData(ModelStage.Motion, TtmVariant.Ttm, AttentionLayout.Factorized, Prediction.Sample)]
    [InlineData(ModelStage.Motion, TtmVariant.Flow, AttentionLayout.Factorized, Prediction.Sample)]
    [InlineData(ModelStage.Video, TtmVariant.Ttm, AttentionLayout.Factorized, Prediction.Sample)]
    [InlineData(ModelStage.Video, TtmVariant.Ttm, AttentionLayout.Joint, Prediction.Velocity)]
    [InlineData(ModelStage.Video, TtmVariant.Ti2v, AttentionLayout.Factorized, Prediction.Sample)]
    [InlineData(ModelStage.Video, TtmVariant.NoMask, AttentionLayout.Factorized, Prediction.Sample)]
    [InlineData(ModelStage.Video, TtmVariant.CrossOnly, AttentionLayout.Factorized, Prediction.Sample)]
    [InlineData(ModelStage.Video, TtmVariant.SelfOnly, AttentionLayout.Factorized, Prediction.Sample)]
    [InlineData(ModelStage.Video, TtmVariant.Flow, AttentionLayout.Factorized, Prediction.Sample)]
    [InlineData(ModelStage.Motion, TtmVariant.Ttm, AttentionLayout.Factorized, Prediction.Sample, true)]
    public void TheExportedGraph_OnOnnxRuntime_AgreesWithTheNetwork(ModelStage stage, TtmVariant variant, AttentionLayout attention, Prediction prediction,
        bool motionReadsLocalPrompts = false)
    {
        var config = TestWorld.Config(stage, variant, prediction, attention, motionReadsLocalPrompts);
        using var model = new VideoDit(config);
        Randomise(model);
        using var batch = Rows(config, out var rows);
        using var inference = inference_mode();
        AssertTheGraphAgrees(model, batch).Dispose();
        rows.ForEach(r => r.Dispose());
    }

    /// <summary>The network's graph on ONNX Runtime gives the network's output for <paramref name="batch"/>, to float rounding.</summary>
    /// <returns>the graph's output</returns>
    static Tensor AssertTheGraphAgrees(VideoDenoiser model, DitBatch batch)
    {
        model.eval();
        using var onnx = new OnnxForward(model, threads: 1);
        using var expected = model.forward(batch);
        var actual = onnx.forward(batch);
        Assert.Equal(expected.shape, actual.shape);
        double difference = (actual - expected).abs().max().item<float>();
        double scale = expected.abs().max().item<float>();
        Assert.True(scale > 0.1, $"the output is too small ({scale}) to show a wrong graph");
        Assert.True(difference <= 1e-4 * Math.Max(1, scale), $"ONNX Runtime differs from libtorch by {difference:E2} (output scale {scale:F2})");
        return actual;
    }

    [Theory]
    [InlineData(ModelStage.Motion, TtmVariant.Ttm, false)]
    [InlineData(ModelStage.Motion, TtmVariant.Ttm, true)]
    [InlineData(ModelStage.Video, TtmVariant.Ttm, false)]
    [InlineData(ModelStage.Video, TtmVariant.Ti2v, false)]
    [InlineData(ModelStage.Video, TtmVariant.CrossOnly, false)]
    [InlineData(ModelStage.Video, TtmVariant.SelfOnly, false)]
    public void TheUnetsExportedGraph_OnOnnxRuntime_AgreesWithTheNetwork(ModelStage stage, TtmVariant variant, bool motionReadsLocalPrompts)
    {
        var config = TestWorld.UnetConfig(stage, variant, motionReadsLocalPrompts);
        using var model = new VideoUnet(config);
        Randomise(model);
        using var batch = Rows(config, out var rows);
        using var inference = inference_mode();
        using var actual = AssertTheGraphAgrees(model, batch);

        // The added layers are in the graph: without them the network's output moves, the session's (a snapshot) does not.
        if (config.AddsLayers)
        {
            using (no_grad())
                foreach (var (name, p) in model.named_parameters())
                    if (name.Contains("gate")) p.fill_(0f);
            using var withoutAdded = model.forward(batch);
            Assert.True((actual - withoutAdded).abs().max().item<float>() > 1e-3, "the added layers did not show in the graph's output");
        }
        rows.ForEach(r => r.Dispose());
    }

    [Fact]
    public void TheUnet_HasNoStepCachePieces()
    {
        using var model = new VideoUnet(TestWorld.UnetConfig(ModelStage.Video));
        using var onnx = new OnnxForward(model, threads: 1);
        using var batch = Rows(model.Config, out var rows);
        Assert.Throws<NotSupportedException>(() => onnx.FirstBlock(batch));
        rows.ForEach(r => r.Dispose());
    }

    [Theory]
    [InlineData(ModelStage.Motion, TtmVariant.Ttm)]
    [InlineData(ModelStage.Video, TtmVariant.Ttm)]
    [InlineData(ModelStage.Video, TtmVariant.Ti2v)]
    public void ThePiecesAStepCacheRuns_OnOnnxRuntime_AgreeWithTheNetworksOwn_OnPartOfTheRows(ModelStage stage, TtmVariant variant)
    {
        var config = TestWorld.Config(stage, variant, Prediction.Sample);
        using var model = new VideoDit(config);
        Randomise(model);
        model.eval();
        using var batch = Rows(config, out var rows);
        using var onnx = new OnnxForward(model, threads: 1);
        using var inference = inference_mode();
        using var scope = NewDisposeScope();
        var index = tensor(new long[] { 0, 2 }); // the rows that go on through the other blocks

        var (x0, context) = model.Embed(batch);
        var x1 = model.Blocks[0].forward(x0, context);
        var x = x1.index_select(0, index);
        var rowsContext = context.Rows(index);
        foreach (var block in model.Blocks.Skip(1)) x = block.forward(x, rowsContext);
        var expected = model.Unembed(x1 * 0.5f, context, batch);

        var (y0, y1) = onnx.FirstBlock(batch);
        using var part = batch.Rows(index);
        var y = onnx.OtherBlocks(y1.index_select(0, index), part);
        var actual = onnx.Unembed(y1 * 0.5f, batch);
        foreach (var (name, e, a) in new[] { ("embedded", x0, y0), ("first block", x1, y1), ("other blocks", x, y), ("unembed", expected, actual) })
        {
            Assert.Equal(e.shape, a.shape);
            double difference = (a - e).abs().max().item<float>();
            Assert.True(difference <= 1e-4, $"{name}: ONNX Runtime differs from libtorch by {difference:E2}");
        }
        Assert.True((x1 - x0).abs().max().item<float>() > 0.1, "the first block should change the tokens");
        rows.ForEach(r => r.Dispose());
    }

    [Fact]
    public void TheGraph_IsASnapshot_AndSeesTheMaskedLayers()
    {
        // A graph that left out a masked layer would agree with the network only while that layer adds nothing.
        var config = TestWorld.Config(ModelStage.Video);
        using var model = new VideoDit(config);
        Randomise(model);
        model.eval();
        using var batch = Rows(config, out var rows);
        using var onnx = new OnnxForward(model, threads: 1);
        using var inference = inference_mode();
        using var before = onnx.forward(batch);
        using (no_grad()) model.Blocks[0].AddedSelfGate!.fill_(0f);
        using var withoutEq3 = model.forward(batch);
        using var again = onnx.forward(batch);
        Assert.True((before - withoutEq3).abs().max().item<float>() > 1e-3, "the masked self-attention did not show in the graph's output");
        Assert.True((before - again).abs().max().item<float>() == 0f, "the session should keep the weights it was exported with");
        rows.ForEach(r => r.Dispose());
    }
}
