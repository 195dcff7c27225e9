using Grpc.Core;
using Microsoft.AspNetCore.Http;

namespace SerSsl.Streaming.Server;

/// <summary>
/// Who makes a call: the API key it was let in with (null when the server needs no key) and its remote address. A key
/// sees the sessions of its owner and the server's own; an admin key, or any caller of a server without keys, sees all.
/// </summary>
/// <param name="Key">The accepted key, or null on a server without keys.</param>
/// <param name="Address">The remote IP address, or the transport's peer string when there is none.</param>
internal sealed record Caller(ApiKey? Key, string Address)
{
    private const string StateKey = "serssl.caller";

    /// <summary>The owner a session this caller starts belongs to; null on a server without keys.</summary>
    public string? Owner => Key?.Owner;

    /// <summary>Whom the per-client session limit counts against: the key's owner, else the remote address.</summary>
    public string Client => Key is not null ? $"owner '{Key.Owner}'" : $"address {Address}";

    /// <summary>True when the caller may see, follow and list a session of <paramref name="sessionOwner"/> (null: the server's own).</summary>
    public bool CanSee(string? sessionOwner) => Key is null || Key.IsAdmin || sessionOwner is null || string.Equals(sessionOwner, Key.Owner, StringComparison.Ordinal);

    /// <summary>The caller of a gRPC call, as the API key check recorded it (or, without keys, from the connection).</summary>
    public static Caller Of(ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.UserState.TryGetValue(StateKey, out var caller) && caller is Caller known ? known : new Caller(null, AddressOf(context));
    }

    /// <summary>Records the caller of a gRPC call.</summary>
    public static void Set(ServerCallContext context, ApiKey? key)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.UserState[StateKey] = new Caller(key, AddressOf(context));
    }

    /// <summary>The caller of an HTTP request (the dashboard's API).</summary>
    public static Caller Of(HttpContext context, ApiKey? key)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new Caller(key, context.Connection.RemoteIpAddress?.ToString() ?? "unknown");
    }

    private static string AddressOf(ServerCallContext context)
    {
        try
        {
            return context.GetHttpContext().Connection.RemoteIpAddress?.ToString() ?? context.Peer ?? "unknown";
        }
        catch (InvalidOperationException)
        {
            // A call context that is not ASP.NET Core's (a test's).
            return context.Peer ?? "unknown";
        }
    }
}
