using Microsoft.Extensions.Hosting;
using Ttm.Silo;

var builder = Host.CreateApplicationBuilder(args);
builder.UseOrleans(silo => silo.UseLocalhostClustering().AddMemoryGrainStorage("generations").AddTtmSilo(builder.Configuration));
await builder.Build().RunAsync();
