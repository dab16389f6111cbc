namespace Siglip2.Search;

/// <summary>One result: the file and its cosine similarity to the query.</summary>
public sealed record SearchHit(string Path, float Score, int Width, int Height);
