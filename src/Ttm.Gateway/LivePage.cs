using Microsoft.Extensions.FileProviders;

namespace Ttm.Gateway;

/// <summary>
/// The live page at <c>/</c>: plain HTML, CSS and ES modules embedded in the gateway (no build step, nothing to deploy beside
/// it), and the sample image at <c>/samples/two-squares.png</c>. It talks only to the REST API with the tenant's key, which
/// stays in the tab (sessionStorage; <c>./ttm serve</c> prints the page's address with the key in the fragment, which
/// browsers never send).
/// </summary>
public static class LivePage
{
    static readonly ManifestEmbeddedFileProvider Files = new(typeof(LivePage).Assembly, "Page");

    /// <summary>
    /// What a browser may do with the page: its own scripts and styles only, media from the API's blobs, no framing by other
    /// sites (clickjacking), no type sniffing, no referrer carrying the address out.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> SecurityHeaders = new Dictionary<string, string>
    {
        ["Content-Security-Policy"] = "default-src 'self'; img-src 'self' blob: data:; media-src 'self' blob:; object-src 'none'; base-uri 'none'; "
                                      + "form-action 'self'; frame-ancestors 'none'",
        ["X-Frame-Options"] = "DENY",
        ["X-Content-Type-Options"] = "nosniff",
        ["Referrer-Policy"] = "no-referrer",
    }.AsReadOnly();

    public static RouteGroupBuilder MapLivePage(this IEndpointRouteBuilder app)
    {
        var page = app.MapGroup("").ExcludeFromDescription();
        page.AddEndpointFilter(async (context, next) =>
        {
            foreach (var (name, value) in SecurityHeaders) context.HttpContext.Response.Headers[name] = value;
            return await next(context);
        });
        page.MapGet("/", () => Serve("index.html"));
        page.MapGet("/{file}", (string file) => Serve(file));
        page.MapGet("/samples/{file}", (string file) => Serve($"samples/{file}"));
        return page;
    }

    static IResult Serve(string path)
    {
        var file = Files.GetFileInfo(path);
        if (!file.Exists || file.IsDirectory) return Results.NotFound();
        var type = Path.GetExtension(path) switch
        {
            ".html" => "text/html; charset=utf-8",
            ".js" => "text/javascript; charset=utf-8",
            ".css" => "text/css; charset=utf-8",
            ".png" => "image/png",
            ".svg" => "image/svg+xml",
            _ => "application/octet-stream",
        };
        return Results.Stream(file.CreateReadStream(), type, lastModified: file.LastModified);
    }
}
