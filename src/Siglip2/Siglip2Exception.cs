using Siglip2.Configuration;

namespace Siglip2;

/// <summary>
/// An error caused by the user's input (a file, a folder, an option, a config value). Its message is
/// one line that says what is wrong, where, and how to fix it; the command line prints it without a
/// stack trace and exits non-zero. Messages quote untrusted text (a config value, a tensor name), so
/// line breaks and other control characters are escaped here, once for every message.
/// </summary>
public class Siglip2Exception : Exception
{
    public Siglip2Exception(string message) : base(MessageText.OneLine(message)) { }
    public Siglip2Exception(string message, Exception inner) : base(MessageText.OneLine(message), inner) { }
}
