using Microsoft.Extensions.Hosting;
using Ttm.Silo;

var builder = Host.CreateApplicationBuilder(args);
builder.UseOrleans(silo => silo.UseLocalhostClustering().AddMemoryGrainStorage("generations"));
builder.Services.AddTtmGeneration(builder.Configuration);
await builder.Build().RunAsync();
