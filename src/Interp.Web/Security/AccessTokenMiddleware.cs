using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Extensions;

namespace Interp.Web.Security;

/// <summary>
/// Checks the access token on every request (pages, static files, the Blazor hub): a matching cookie, a matching
/// <c>Authorization: Bearer</c> header, or <c>?token=</c> in the query string, which sets the cookie and redirects to the
/// same address without it. Anything else is 401 with one line saying how to get in.
/// </summary>
public sealed class AccessTokenMiddleware(RequestDelegate next, string token)
{
    /// <summary>The cookie that carries the token after the first visit.</summary>
    public const string CookieName = "interp_token";

    /// <summary>The query-string parameter that carries the token on the first visit.</summary>
    public const string QueryName = "token";

    private readonly byte[] _token = Encoding.UTF8.GetBytes(token);

    /// <summary>Handles one request.</summary>
    public async Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var query = context.Request.Query[QueryName].ToString();
        if (query.Length > 0 && Matches(query))
        {
            context.Response.Cookies.Append(CookieName, query, new CookieOptions
            {
                HttpOnly = true,
                SameSite = SameSiteMode.Strict,
                Secure = context.Request.IsHttps,
                IsEssential = true,
                Path = "/",
            });
            if (HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method))
            {
                context.Response.Redirect(WithoutToken(context.Request));
                return;
            }
            await next(context).ConfigureAwait(false);
            return;
        }
        if (context.Request.Cookies.TryGetValue(CookieName, out var cookie) && Matches(cookie)
            || context.Request.Headers.Authorization.ToString() is { } auth && auth.StartsWith("Bearer ", StringComparison.Ordinal) && Matches(auth[7..]))
        {
            await next(context).ConfigureAwait(false);
            return;
        }
        context.Response.StatusCode = (int)HttpStatusCode.Unauthorized;
        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync("access token required: open the address `interp serve` printed (it ends in ?token=...)\n").ConfigureAwait(false);
    }

    private bool Matches(string candidate) => CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(candidate), _token);

    /// <summary>
    /// The request's own address without the token, as a local path: a path that a browser would read as another site's
    /// address (<c>//evil.example/</c>, <c>/\evil.example</c>) becomes <c>/</c>, so the login cannot be made an open redirect.
    /// </summary>
    internal static string WithoutToken(HttpRequest request)
    {
        var query = new QueryBuilder(request.Query.Where(q => q.Key != QueryName).SelectMany(q => q.Value.Select(v => KeyValuePair.Create(q.Key, v ?? ""))));
        var path = (request.PathBase + request.Path).ToUriComponent();
        return (IsLocalPath(path) ? path : "/") + query.ToQueryString();
    }

    /// <summary>True for <c>/</c> or <c>/x…</c> where a browser stays on this site: not <c>//</c>, not <c>/\</c>, no control characters.</summary>
    internal static bool IsLocalPath(string path) =>
        path.Length > 0 && path[0] == '/'
        && (path.Length == 1 || path[1] != '/' && path[1] != '\\')
        && !path.Any(char.IsControl);
}
