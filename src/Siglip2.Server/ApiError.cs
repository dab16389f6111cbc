using Microsoft.AspNetCore.Http;

namespace Siglip2.Server;

/// <summary>A client mistake or a refusal, answered as <c>{"error": {"message", "type"}}</c> with its status code.</summary>
public sealed class ApiError(int status, string type, string message) : Exception(message)
{
    public int Status { get; } = status;
    public string Type { get; } = type;

    public static ApiError BadRequest(string message) => new(StatusCodes.Status400BadRequest, "invalid_request_error", message);

    public IResult ToResult() => Results.Json(new { error = new { message = Message, type = Type } }, statusCode: Status);

    public static IResult From(Exception e) => e switch
    {
        ApiError a => a.ToResult(),
        Siglip2Exception s => BadRequest(s.Message).ToResult(), // bad input: an image that does not decode, a text over the limit
        OperationCanceledException => new ApiError(499, "cancelled", "the request was cancelled").ToResult(),
        _ => new ApiError(StatusCodes.Status500InternalServerError, "server_error", "internal error: " + e.GetType().Name).ToResult(),
    };
}
