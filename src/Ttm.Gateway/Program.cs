using Orleans.Dashboard;
using Ttm.Gateway;

var builder = WebApplication.CreateBuilder(args);
builder.UseOrleansClient(client => client.UseLocalhostClustering().AddDashboard());
builder.Services.AddTtmGateway();
var app = builder.Build();
app.MapTtmGateway();
app.Run();
