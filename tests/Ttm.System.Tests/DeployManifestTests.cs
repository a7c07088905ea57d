using System.Diagnostics;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ttm.Cli.Cluster;
using Ttm.Gateway.Hosting;
using Ttm.Gateway.Ops;
using Ttm.Gateway.Tenants;
using Ttm.Hosting;
using Ttm.Silo.Options;

namespace Ttm.System.Tests;

/// <summary>
/// deploy/k8s as a platform applies it: each overlay rendered by kubectl kustomize, every object validated against the
/// Kubernetes API schemas (deploy/k8s/validate, npm kubernetes-models), and the manifests checked against the code:
/// settings the hosts read, ports they listen on, probe paths they answer, no secret, limits and a locked-down
/// securityContext on every container.
/// </summary>
public sealed class DeployManifestTests
{
    /// <summary>Every options class a host binds, by its configuration section: the settings a Ttm__ variable can name.</summary>
    static readonly (string Section, Type Options)[] HostSettings =
    [
        (SiloOptions.Section, typeof(SiloOptions)), (ArtifactStoreOptions.Section, typeof(ArtifactStoreOptions)),
        (ClusterStoreOptions.Section, typeof(ClusterStoreOptions)), (HostListenOptions.Section, typeof(HostListenOptions)),
        (OpsOptions.Section, typeof(OpsOptions)), (AuthOptions.Section, typeof(AuthOptions)), (TlsOptions.Section, typeof(TlsOptions)),
        (TenantPolicyOptions.Section, typeof(TenantPolicyOptions)), (Pipeline.Planning.LlmPlannerOptions.Section, typeof(Pipeline.Planning.LlmPlannerOptions)),
    ];

    sealed record Rendered(int Problems, string Details, IReadOnlyList<JsonObject> Objects)
    {
        public IEnumerable<JsonObject> OfKind(string kind) => Objects.Where(o => (string?)o["kind"] == kind);
        public JsonObject Named(string kind, string name) => OfKind(kind).Single(o => (string?)o["metadata"]!["name"] == name);
    }

    static Rendered Render(string overlay)
    {
        Assert.Equal(0, Run("bash", [Path.Combine(ServerFixture.Root, "build", "fetch-k8s-models.sh")], null, out _, out var fetchError));
        Assert.True(0 == Run("kubectl", ["kustomize", Path.Combine(ServerFixture.Root, "deploy", "k8s", "overlays", overlay)], null, out var yaml, out var error), error);
        int code = Run("node", [Path.Combine(ServerFixture.Root, "deploy", "k8s", "validate", "validate.mjs")], yaml, out var json, out error);
        Assert.True(code is 0 or 1, $"validate.mjs failed: {error} {fetchError}");
        var result = JsonNode.Parse(json)!.AsObject();
        return new Rendered((int)result["problems"]!, result["details"]!.ToJsonString(),
            result["rendered"]!.AsArray().Select(o => o!.AsObject()).ToList());
    }

    static int Run(string program, string[] arguments, string? input, out string output, out string error)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = input is not null };
        foreach (var a in arguments) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        if (input is not null)
        {
            process.StandardInput.Write(input);
            process.StandardInput.Close();
        }
        var stderr = process.StandardError.ReadToEndAsync();
        output = process.StandardOutput.ReadToEnd();
        error = stderr.Result;
        if (!process.WaitForExit(120_000)) process.Kill(entireProcessTree: true);
        return process.ExitCode;
    }

    static IEnumerable<JsonObject> PodSpecs(Rendered r) =>
        r.OfKind("Deployment").Concat(r.OfKind("StatefulSet")).Select(d => d["spec"]!["template"]!["spec"]!.AsObject());

    static IEnumerable<JsonObject> Containers(Rendered r) => PodSpecs(r).SelectMany(p => p["containers"]!.AsArray().Select(c => c!.AsObject()));

    /// <summary>Ttm__ variables a container gets: its env entries and the ConfigMaps its envFrom names.</summary>
    static Dictionary<string, string?> Variables(Rendered r, JsonObject container)
    {
        var variables = new Dictionary<string, string?>();
        foreach (var from in container["envFrom"]?.AsArray() ?? [])
        {
            string name = (string)from!["configMapRef"]!["name"]!;
            foreach (var (k, v) in r.Named("ConfigMap", name)["data"]!.AsObject()) variables[k] = (string?)v;
        }
        foreach (var e in container["env"]?.AsArray() ?? []) variables[(string)e!["name"]!] = (string?)e["value"];
        return variables;
    }

    [Theory]
    [InlineData("dev", 6)]
    [InlineData("cluster", 29)]
    public void EachOverlay_Renders_AndEveryObjectValidatesAgainstTheKubernetesSchemas(string overlay, int objects)
    {
        var r = Render(overlay);
        Assert.True(r.Problems == 0, r.Details);
        Assert.Equal(objects, r.Objects.Count);
        Assert.Empty(r.OfKind("Secret")); // the operator creates them
    }

    [Fact]
    public void TheValidator_CatchesABrokenObject()
    {
        Assert.Equal(0, Run("bash", [Path.Combine(ServerFixture.Root, "build", "fetch-k8s-models.sh")], null, out _, out _));
        const string broken = "apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: x }\nspec:\n  replicas: many\n  selector: { matchLabels: { a: b } }\n  template: { metadata: { labels: { a: b } }, spec: { containers: [{ name: c, image: i, ports: [{ containerPort: http }] }] } }\n";
        Assert.Equal(1, Run("node", [Path.Combine(ServerFixture.Root, "deploy", "k8s", "validate", "validate.mjs")], broken, out var json, out _));
        var details = JsonNode.Parse(json)!["details"]!.ToJsonString();
        Assert.Contains("replicas", details);
        Assert.Contains("containerPort", details);
    }

    [Theory]
    [InlineData("dev")]
    [InlineData("cluster")]
    public void EveryTtmVariable_IsASettingAHostReads(string overlay)
    {
        var r = Render(overlay);
        var names = Containers(r).SelectMany(c => Variables(r, c).Keys).Where(k => k.StartsWith("Ttm__")).Distinct().ToList();
        Assert.NotEmpty(names);
        foreach (var name in names)
            Assert.True(IsSetting(name.Replace("__", ":")), $"{overlay}: {name} is set, but no host option binds {name.Replace("__", ":")}.");
        Assert.False(IsSetting("Ttm:Listen:Prot")); // the check itself can fail
    }

    /// <summary>Whether the path names a property of an options class bound at its section (nested classes followed).</summary>
    static bool IsSetting(string path) => HostSettings.Any(s =>
    {
        if (!path.StartsWith(s.Section + ":", StringComparison.Ordinal)) return false;
        var type = s.Options;
        foreach (var part in path[(s.Section.Length + 1)..].Split(':'))
        {
            var property = type.GetProperty(part, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
            if (property is null || !property.CanWrite) return false;
            type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        }
        return true;
    });

    [Fact]
    public void ThePortsTheManifestsName_AreThePortsTheHostsListenOn_AndEveryProbeIsAPathTheyAnswer()
    {
        var r = Render("cluster");
        foreach (var deployment in r.OfKind("Deployment"))
        {
            var container = deployment["spec"]!["template"]!["spec"]!["containers"]![0]!.AsObject();
            var ports = container["ports"]!.AsArray().ToDictionary(p => (string)p!["name"]!, p => (int)p!["containerPort"]!);
            var variables = Variables(r, container);
            string component = (string)deployment["spec"]!["template"]!["metadata"]!["labels"]!["app.kubernetes.io/component"]!;
            if (component == "gateway")
            {
                Assert.Equal(ports["grpc"].ToString(), variables["Ttm__Listen__Port"]);
                Assert.Equal(ports["ops"].ToString(), variables["Ttm__Listen__OpsPort"]);
                Assert.Equal(ports["http"].ToString(), variables["Ttm__Listen__HttpPort"]);
            }
            else
            {
                Assert.Equal(ports["ops"].ToString(), variables["Ttm__Listen__Port"]);
                Assert.Equal(ports["silo"].ToString(), variables["Ttm__Cluster__SiloPort"]);
                Assert.Equal(ports["orleans-gateway"].ToString(), variables["Ttm__Cluster__GatewayPort"]);
                Assert.Equal(component == "accelerator-silo" ? "accelerator" : "plain", variables["Ttm__Role"]);
            }
            Assert.Equal("true", variables["Ttm__Listen__AnyAddress"]);
            foreach (var (probe, expected) in new[] { ("startupProbe", HealthProbes.Startup), ("readinessProbe", HealthProbes.Ready), ("livenessProbe", HealthProbes.Live) })
            {
                var get = container[probe]!["httpGet"]!;
                Assert.Equal(HealthProbes.PathOf(expected), (string)get["path"]!);
                Assert.True(ports.ContainsKey((string)get["port"]!), $"{component}: {probe} names port {get["port"]}, which the container does not declare");
            }
        }
        // The gateway Service and the network policies name ports the pods declare.
        var gatewayPorts = Containers(r).First(c => (string?)c["name"] == "gateway")["ports"]!.AsArray().Select(p => (string)p!["name"]!).ToList();
        Assert.All(r.Named("Service", "ttm")["spec"]!["ports"]!.AsArray(), p => Assert.Contains((string)p!["targetPort"]!, gatewayPorts));
    }

    [Fact]
    public void TheClusterTlsOverlay_ValidatesAndItsGatewayProbesAskOverHttps_WithTheCertificateMounted()
    {
        var r = Render("cluster-tls");
        Assert.True(r.Problems == 0, r.Details);
        var container = r.Named("Deployment", "ttm-gateway")["spec"]!["template"]!["spec"]!["containers"]![0]!.AsObject();
        foreach (var probe in new[] { "startupProbe", "readinessProbe", "livenessProbe" })
            Assert.Equal("HTTPS", (string?)container[probe]!["httpGet"]!["scheme"]);
        var env = container["env"]!.AsArray().ToDictionary(e => (string)e!["name"]!, e => (string?)e!["value"]);
        var mount = container["volumeMounts"]!.AsArray().Single(m => (string?)m!["name"] == "tls")!;
        Assert.StartsWith((string)mount["mountPath"]!, env["Ttm__Tls__Certificate"]);
        Assert.StartsWith((string)mount["mountPath"]!, env["Ttm__Tls__Key"]);
        Assert.Contains("Ttm__Cluster__Redis", env.Keys); // the cluster overlay's own settings are kept
        // The plain cluster overlay asks over HTTP, as its h2c listeners answer.
        var plain = Render("cluster").Named("Deployment", "ttm-gateway")["spec"]!["template"]!["spec"]!["containers"]![0]!.AsObject();
        Assert.Null(plain["readinessProbe"]!["httpGet"]!["scheme"]);
    }

    [Fact]
    public void TheClusterOverlay_HasWhatAPlatformNeeds()
    {
        var r = Render("cluster");
        var accelerator = r.Named("Deployment", "ttm-accelerator");
        var pod = accelerator["spec"]!["template"]!.AsObject();
        var labels = pod["metadata"]!["labels"]!.AsObject();
        Assert.Equal("ttm", (string?)labels["orleans/serviceId"]);
        Assert.Equal("ttm", (string?)labels["orleans/clusterId"]);
        var container = pod["spec"]!["containers"]![0]!.AsObject();
        Assert.Equal("1", (string?)container["resources"]!["limits"]!["nvidia.com/gpu"]);
        var env = container["env"]!.AsArray().Select(e => (string)e!["name"]!).ToList();
        Assert.Contains("POD_NAME", env);
        Assert.Contains("POD_NAMESPACE", env);
        Assert.Contains("POD_IP", env);
        Assert.Equal(0, (int)accelerator["spec"]!["strategy"]!["rollingUpdate"]!["maxUnavailable"]!);
        Assert.True((int)pod["spec"]!["terminationGracePeriodSeconds"]! >= 60);
        Assert.Equal(2, (int)r.Named("Deployment", "ttm-gateway")["spec"]!["replicas"]!);

        var role = r.Named("Role", "ttm-silo")["rules"]![0]!;
        Assert.Equal(["delete", "get", "list", "patch", "watch"], role["verbs"]!.AsArray().Select(v => (string)v!).Order());
        Assert.Equal("ttm-silo", (string?)pod["spec"]!["serviceAccountName"]);
        Assert.Equal(["ReadWriteMany"], r.Named("PersistentVolumeClaim", "ttm-artifacts")["spec"]!["accessModes"]!.AsArray().Select(v => (string)v!));
        // Redis survives its primary's loss: three pods of a server and a Sentinel each; the hosts connect through the
        // Sentinels, and the silos append an event only once a replica holds it.
        var redis = Assert.Single(r.OfKind("StatefulSet"), s => (string?)s["metadata"]!["name"] == "ttm-redis");
        Assert.Equal(3, (int)redis["spec"]!["replicas"]!);
        Assert.Equal(["redis", "sentinel"], redis["spec"]!["template"]!["spec"]!["containers"]!.AsArray().Select(c => (string)c!["name"]!));
        foreach (var host in new[] { "ttm-accelerator", "ttm-plain", "ttm-gateway" })
        {
            var variables = Variables(r, r.Named("Deployment", host)["spec"]!["template"]!["spec"]!["containers"]![0]!.AsObject());
            var redisOptions = StackExchange.Redis.ConfigurationOptions.Parse(variables["Ttm__Cluster__Redis"]!);
            Assert.Equal("ttm", redisOptions.ServiceName);
            Assert.Equal(3, redisOptions.EndPoints.Count);
            if (host != "ttm-gateway") Assert.Equal("1", variables["Ttm__Cluster__WaitReplicas"]);
        }
        Assert.Equal(4, r.OfKind("PodDisruptionBudget").Count());
        Assert.Equal("ttm-gateway", (string?)r.Named("HorizontalPodAutoscaler", "ttm-gateway")["spec"]!["scaleTargetRef"]!["name"]);
        var scaled = r.Named("ScaledObject", "ttm-accelerator");
        Assert.Contains("ttm_device_queue_depth", (string)scaled["spec"]!["triggers"]![0]!["metadata"]!["query"]!);
        Assert.NotEmpty(r.OfKind("NetworkPolicy"));
        Assert.NotEmpty(r.OfKind("ServiceMonitor"));
    }

    [Theory]
    [InlineData("dev")]
    [InlineData("cluster")]
    public void EveryContainer_IsLockedDown_Limited_AndGetsItsSecretsFromSecretObjects(string overlay)
    {
        var r = Render(overlay);
        foreach (var spec in PodSpecs(r))
            Assert.True((bool)spec["securityContext"]!["runAsNonRoot"]!);
        foreach (var c in Containers(r))
        {
            string name = (string)c["name"]!;
            Assert.Contains(":", (string)c["image"]!); // a pinned tag, never an implicit :latest
            Assert.DoesNotContain(":latest", (string)c["image"]!);
            var security = c["securityContext"]!;
            Assert.False((bool)security["allowPrivilegeEscalation"]!, name);
            Assert.True((bool)security["readOnlyRootFilesystem"]!, name);
            Assert.Equal(["ALL"], security["capabilities"]!["drop"]!.AsArray().Select(v => (string)v!));
            Assert.NotNull(c["resources"]!["requests"]!["memory"]);
            Assert.NotNull(c["resources"]!["limits"]!["memory"]);
            foreach (var e in c["env"]?.AsArray() ?? [])
                if (((string)e!["name"]!).Contains("PASSWORD", StringComparison.OrdinalIgnoreCase) || ((string)e["name"]!).EndsWith("Key", StringComparison.Ordinal))
                    Assert.NotNull(e["valueFrom"]?["secretKeyRef"]);
        }
    }

    [Fact]
    public void LocalProcesses_GetTheClusterOverlaysSettings()
    {
        // One source: the overlay's env files are what LocalCluster (the multi-process tests, ./ttm cluster up) starts hosts with.
        var accelerator = OverlayEnvironment.Local("accelerator", "/tmp/store");
        var onDisk = File.ReadAllLines(Path.Combine(ServerFixture.Root, "deploy", "k8s", "overlays", "cluster", "env", "accelerator.env"))
            .Where(l => l.Length > 0 && !l.StartsWith('#')).Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        Assert.Equal("true", accelerator["Ttm__LoadModelsAtStart"]);
        foreach (var (key, value) in onDisk.Where(kv => kv.Key is not ("Ttm__Models" or "Ttm__Segmenter")))
            Assert.Equal(value, accelerator[key]);
        Assert.Equal("false", accelerator["Ttm__Listen__AnyAddress"]);
        Assert.Equal("/tmp/store", accelerator["Ttm__Artifacts"]);
        Assert.False(accelerator.ContainsKey("Ttm__Models")); // the image's folder, not this machine's
        Assert.Equal("plain", OverlayEnvironment.Local("plain", "/tmp/store")["Ttm__Role"]);
        Assert.Equal("5", OverlayEnvironment.For("gateway")["Ttm__Auth__KeyCacheSeconds"]);
    }

    [Fact]
    public void EveryImageTheManifestsRun_HasADockerfile_ThatIsAThinCopyOfItsHostsPublish()
    {
        var images = new[] { Render("dev"), Render("cluster") }.SelectMany(Containers).Select(c => ((string)c["image"]!).Split(':')[0])
            .Where(i => i.StartsWith("ttmcluster/", StringComparison.Ordinal)).Distinct().ToList();
        Assert.Equal(["ttmcluster/gateway", "ttmcluster/silo", "ttmcluster/silo-cuda", "ttmcluster/ttm"], images.Order());
        var hosts = new Dictionary<string, (string Publish, string Executable)>
        {
            ["gateway"] = ("gateway", "Ttm.Gateway"), ["silo"] = ("silo", "Ttm.Silo"), ["silo-cuda"] = ("silo", "Ttm.Silo"), ["ttm"] = ("ttm", "ttm"),
        };
        foreach (var image in images)
        {
            string name = image["ttmcluster/".Length..];
            var lines = File.ReadAllLines(Path.Combine(ServerFixture.Root, "deploy", "docker", $"{name}.Dockerfile")).Where(l => !l.StartsWith('#')).ToList();
            var (publish, executable) = hosts[name];
            Assert.Contains(lines, l => l.Contains($"build/publish.sh {publish} /out"));
            int final = lines.FindLastIndex(l => l.StartsWith("FROM ", StringComparison.Ordinal));
            Assert.True(final > 0, $"{name}: a multi-stage build");
            var runtime = lines.Skip(final).ToList();
            Assert.Contains(runtime, l => l.StartsWith("COPY --from=publish", StringComparison.Ordinal) && l.EndsWith("/out /app", StringComparison.Ordinal));
            Assert.DoesNotContain(runtime, l => l.StartsWith("COPY . ", StringComparison.Ordinal)); // nothing but the publish
            Assert.Contains("USER 10001:10001", runtime);
            Assert.Contains($"ENTRYPOINT [\"/app/{executable}\"]", runtime);
            Assert.DoesNotContain(lines, l => l.Contains("PASSWORD", StringComparison.OrdinalIgnoreCase) || l.Contains("ENV Ttm__Ops", StringComparison.Ordinal));
        }
        var publishScript = File.ReadAllText(Path.Combine(ServerFixture.Root, "build", "publish.sh"));
        Assert.Contains("--self-contained true", publishScript);
    }
}
