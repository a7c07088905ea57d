using Microsoft.AspNetCore.Builder;

namespace Ttm.Benchmarks;

/// <summary>Builds the embedded server (silo + gateway) on a loopback gRPC port with these settings; the CLI passes its own.</summary>
public delegate WebApplication ServerFactory(int port, IDictionary<string, string?> settings);
