using System.Text.Json.Nodes;

namespace Siglip2.Configuration;

/// <summary>Typed access to a config.json object with one-line errors that name the file and the field.</summary>
internal sealed class JsonConfigReader
{
    private readonly JsonObject _obj;
    private readonly string _where;

    public JsonConfigReader(JsonObject obj, string where)
    {
        _obj = obj;
        _where = where;
    }

    public JsonObject Object => _obj;
    public string Where => _where;

    public bool Has(string key) => _obj.TryGetPropertyValue(key, out var v) && v != null;

    public int Int(string key, int defaultValue)
    {
        if (!Has(key)) return defaultValue;
        try { return _obj[key]!.GetValue<int>(); }
        catch (Exception e) when (e is FormatException or InvalidOperationException or OverflowException)
        {
            throw new Siglip2Exception($"{_where}: field '{key}' must be an integer, got {StrictJson.Show(_obj[key])}");
        }
    }

    public double Double(string key, double defaultValue)
    {
        if (!Has(key)) return defaultValue;
        try { return _obj[key]!.GetValue<double>(); }
        catch (Exception e) when (e is FormatException or InvalidOperationException or OverflowException)
        {
            throw new Siglip2Exception($"{_where}: field '{key}' must be a number, got {StrictJson.Show(_obj[key])}");
        }
    }

    public bool Bool(string key, bool defaultValue)
    {
        if (!Has(key)) return defaultValue;
        try { return _obj[key]!.GetValue<bool>(); }
        catch (Exception e) when (e is FormatException or InvalidOperationException or OverflowException)
        {
            throw new Siglip2Exception($"{_where}: field '{key}' must be true or false, got {StrictJson.Show(_obj[key])}");
        }
    }

    public string? String(string key, string? defaultValue)
    {
        if (!Has(key)) return defaultValue;
        try { return _obj[key]!.GetValue<string>(); }
        catch (Exception e) when (e is FormatException or InvalidOperationException or OverflowException)
        {
            throw new Siglip2Exception($"{_where}: field '{key}' must be a string, got {StrictJson.Show(_obj[key])}");
        }
    }

    public JsonConfigReader? Child(string key)
    {
        if (!Has(key)) return null;
        if (_obj[key] is not JsonObject child)
            throw new Siglip2Exception($"{_where}: field '{key}' must be an object, got {StrictJson.Show(_obj[key])}");
        return new JsonConfigReader(child, $"{_where} [{key}]");
    }
}
