using Ttm.Gateway.Hosting;
using Ttm.Hosting;

// A gateway: ttm.v1 over the cluster named by Ttm:Cluster (the embedded default's localhost silo without Redis).
return await StartupChecks.RunHostAsync(() => GatewayHost.Build(args));
