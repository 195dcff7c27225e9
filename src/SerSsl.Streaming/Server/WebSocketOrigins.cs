using System.Diagnostics.CodeAnalysis;
using Microsoft.AspNetCore.Http;

namespace SerSsl.Streaming.Server;

/// <summary>
/// The Origin check of the WebSocket ingest. Browsers send any page's WebSocket to any address, with the page's
/// cookies and network position, and say where the page came from only in the <c>Origin</c> header: the ingest takes
/// connections from the server's own pages (the dashboard) and from the origins the operator lists, nothing else.
/// </summary>
internal sealed class WebSocketOrigins
{
    private readonly Uri[] _allowed;

    /// <summary>Creates the check.</summary>
    /// <param name="allowed">Origins allowed besides the server's own (<see cref="ServerOptions.AllowedOrigins"/>), already validated.</param>
    public WebSocketOrigins(IReadOnlyList<string> allowed)
    {
        ArgumentNullException.ThrowIfNull(allowed);
        _allowed = [.. allowed.Select(a => TryParse(a, out var uri) ? uri : throw new ArgumentException($"'{a}' is not a web origin.", nameof(allowed)))];
    }

    /// <summary>
    /// True when the request may open the WebSocket: it names no origin (not a browser: a program could say anything
    /// anyway), or its origin is the address it was sent to (same scheme, host and port), or a listed one.
    /// </summary>
    public bool Allows(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var header = request.Headers.Origin.ToString();
        if (header.Length == 0)
        {
            return true;
        }

        if (!TryParse(header, out var origin))
        {
            // "null" (a file or a sandboxed page) and anything else that is not an origin.
            return false;
        }

        return (request.Host.HasValue && Uri.TryCreate($"{request.Scheme}://{request.Host.Value}", UriKind.Absolute, out var self) && Same(origin, self))
            || _allowed.Any(a => Same(origin, a));
    }

    /// <summary>Parses a web origin: <c>http</c> or <c>https</c>, a host, optionally a port, and nothing after them.</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out Uri? origin)
    {
        origin = null;
        if (text is null || !Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")
            || uri.UserInfo.Length > 0 || uri.AbsolutePath != "/" || uri.Query.Length > 0 || uri.Fragment.Length > 0 || uri.Host.Length == 0)
        {
            return false;
        }

        origin = uri;
        return true;
    }

    private static bool Same(Uri a, Uri b) =>
        string.Equals(a.Scheme, b.Scheme, StringComparison.OrdinalIgnoreCase) && string.Equals(a.IdnHost, b.IdnHost, StringComparison.OrdinalIgnoreCase) && a.Port == b.Port;
}
