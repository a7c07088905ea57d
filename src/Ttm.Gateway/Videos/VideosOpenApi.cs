using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Ttm.Gateway.Videos;

/// <summary>
/// What /openapi.json says beyond the endpoints: a real title and version, where the API is served, and the bearer
/// credential every call needs, so that a client generated from the document sends the tenant's key.
/// </summary>
sealed class VideosOpenApi : IOpenApiDocumentTransformer
{
    const string Bearer = "bearer";

    /// <summary>The address <c>./ttm serve</c> and <c>./ttm gateway</c> serve the REST API at by default (--http-port).</summary>
    public const string LocalServer = "http://127.0.0.1:5082";

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info = new OpenApiInfo
        {
            Title = "TtmCluster videos API",
            Version = "v1",
            Description = "Image + sentence → video (Through-The-Mask), as OpenAI-style jobs: create one with a multipart form, follow "
                + "its events as Server-Sent Events, download the video. The same tenants, limits and errors as the gRPC API "
                + "ttm.v1.GenerationService; a job's id is the generation id gRPC takes.",
        };
        document.Servers = [new OpenApiServer { Url = LocalServer, Description = "./ttm serve on this machine (the gateway's --http-port)" }];
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[Bearer] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "API key or JWT",
            Description = "A tenant's API key (ttm_<key id>_<secret>, from ./ttm tenants create; ./ttm serve writes one to artifacts/api-key) "
                + "or a JWT from the platform's identity provider.",
        };
        document.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(Bearer, document)] = [] }];
        foreach (var tag in document.Tags ?? Enumerable.Empty<OpenApiTag>())
            if (tag.Name == "videos")
                tag.Description = "Video generation jobs of the calling tenant: create, read, list, follow, download, cancel, delete.";
        return Task.CompletedTask;
    }
}
