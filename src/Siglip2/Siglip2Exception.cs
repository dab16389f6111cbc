namespace Siglip2;

/// <summary>
/// An error caused by the user's input (a file, a folder, an option, a config value). Its message is
/// one line that says what is wrong, where, and how to fix it; the command line prints it without a
/// stack trace and exits non-zero.
/// </summary>
public class Siglip2Exception : Exception
{
    public Siglip2Exception(string message) : base(message) { }
    public Siglip2Exception(string message, Exception inner) : base(message, inner) { }
}
