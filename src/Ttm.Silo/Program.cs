using Ttm.Hosting;
using Ttm.Silo.Hosting;

// A silo: Ttm:Role accelerator or plain, on the cluster named by Ttm:Cluster (the embedded default without Redis).
return await StartupChecks.RunHostAsync(() => SiloHost.Build(args));
