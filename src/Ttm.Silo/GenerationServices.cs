using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Dashboard;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Ttm.Grains;
using Ttm.Models;
using Ttm.Models.Text;
using Ttm.Models.Weights;
using Ttm.Pipeline;
using Ttm.Pipeline.Devices;
using Ttm.Pipeline.Encoding;
using Ttm.Pipeline.Images;
using Ttm.Pipeline.Planning;
using Ttm.Silo.Cluster;
using Ttm.Silo.Hosting;
using Ttm.Grains.Storage;
using Ttm.Silo.Options;
using Ttm.Silo.Placement;
using Ttm.Silo.Telemetry;
using Ttm.Hosting;

namespace Ttm.Silo;

/// <summary>
/// Makes a silo a TtmCluster silo: declares its role in the silo metadata, registers the accelerator placement,
/// and wires the generation grains' ports (artifact store, planner, runner). The networks, segmenter and device
/// worker are loaded on first use, which only an accelerator silo's <see cref="DeviceStagesGrain"/> makes.
/// Settings: <see cref="SiloOptions"/> and <see cref="ArtifactStoreOptions"/>, bound and validated at start.
/// </summary>
public static class GenerationServices
{
    public static ISiloBuilder AddTtmSilo(this ISiloBuilder silo, IConfiguration configuration)
    {
        var options = SiloOptions.Read(configuration); // the metadata is declared before the container exists
        var role = SiloRole.From(options);
        silo.UseSiloMetadata(role.Metadata());
        silo.AddPlacementDirector<AcceleratorPlacement, AcceleratorPlacementDirector>();
        silo.AddActivityPropagation(); // a grain call continues its caller's trace (the host's telemetry exports it)
        var services = silo.Services;
        services.AddValidatedOptions<SiloOptions, SiloOptionsValidator>(configuration.GetSection(SiloOptions.Section));
        services.AddArtifactStore(configuration);
        services.AddGenerationEventLog(configuration);
        services.AddSingleton(role);
        // The LLM planner where Ttm:Planner names an endpoint or a GGUF file, the rules (with MiniLM for what they do not know) always behind it.
        // The host's own text encoder (one ONNX session, loaded on first use) and gates for encodes and decodes: two hosts in
        // one process share none of them.
        services.AddSingleton(_ => MiniLmTextEncoder.Load());
        services.AddSingleton(_ => FairGate.ForEncodes());
        services.AddSingleton(_ => ImageDecoders.OnePerCore());
        services.AddSingleton(sp => new SimilarityResolver(sp.GetRequiredService<MiniLmTextEncoder>()));
        services.AddSingleton(sp => PlannerFactory.Create(
            configuration.GetSection(LlmPlannerOptions.Section).Get<LlmPlannerOptions>() is { Configured: true } llm ? llm : null,
            new HttpClient(), sp.GetRequiredService<SimilarityResolver>()));
        services.AddSingleton(sp => new ModelLimits(ModelWeights.ReadConfig(Path.Combine(sp.GetRequiredService<IOptions<SiloOptions>>().Value.ModelsFolder, "video-ttm")).MaxObjects));
        services.AddSingleton<LoadedModels>();
        services.AddSingleton(sp => new DeviceMetrics(sp.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()));
        services.AddSingleton(sp =>
        {
            if (!role.IsAccelerator) throw new InvalidOperationException("A plain silo does not load the networks; the accelerator placement should have kept device work away.");
            var settings = sp.GetRequiredService<IOptions<SiloOptions>>().Value;
            var device = new DeviceWorker(settings.Device, settings.MaxBatch, settings.DeviceThreads, logger: sp.GetRequiredService<ILogger<DeviceWorker>>(),
                metrics: sp.GetRequiredService<DeviceMetrics>());
            try
            {
                var models = PipelineModels.Load(settings.ModelFiles(), sp.GetRequiredService<MiniLmTextEncoder>(), sp.GetRequiredService<IPromptPlanner>(), device,
                    NetworkRuntimes.For(settings.Device, settings.NetworkRuntime), sp.GetRequiredService<FairGate>(), sp.GetRequiredService<ImageDecoders>());
                sp.GetRequiredService<LoadedModels>().Models = models;
                return models;
            }
            catch
            {
                device.Dispose(); // a failed load is retried at the next device work: no device thread left behind
                throw;
            }
        });
        services.AddSingleton<IGenerationRunner, ClusterGenerationRunner>();

        // Operations: NVML gauges, device and Orleans meters for the host's telemetry (Ttm.Hosting), the dashboard's
        // silo side, and the periodic report to the ops monitor.
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(_ => Nvml.Open());
        services.AddSingleton<GpuMetrics>();
        services.AddSingleton<SiloReporter>();
        services.AddHostedService(sp => sp.GetRequiredService<SiloReporter>());
        services.AddHostedService<ArtifactSweeper>();
        services.AddHostedService<ModelWarmup>();
        services.AddSiloHealth();
        silo.AddDashboard();
        return silo;
    }
}
