using System.Globalization;
using System.Text.RegularExpressions;

namespace Siglip2.Search;

/// <summary>One weighted part of a query: a text, or an image file.</summary>
public sealed record QueryTerm(double Weight, string Text, bool IsImage);

/// <summary>
/// Query arithmetic as rclip has it: <c>"2:golden retriever" + ./pool.jpg - fruit</c> is 2·text("golden retriever")
/// + image(pool.jpg) − text("fruit"). Parts are separated by <c> + </c> or <c> - </c> (spaces around the sign); a
/// part <c>w:rest</c> has weight w; a part naming an existing file is an image. The sum is L2-normalised by the caller.
/// </summary>
public static partial class SearchQuery
{
    [GeneratedRegex(@"\s+([+-])\s+")]
    private static partial Regex Separator();

    [GeneratedRegex(@"^(?<w>[0-9]*\.?[0-9]+):(?<rest>.+)$")]
    private static partial Regex Weighted();

    public static IReadOnlyList<QueryTerm> Parse(string query, Func<string, bool>? isImage = null)
    {
        isImage ??= File.Exists;
        if (string.IsNullOrWhiteSpace(query)) throw new Siglip2Exception("the search query is empty; give a text (any language), an image path, or a sum such as \"2:dog + ./beach.jpg - cat\"");
        var parts = Separator().Split(" + " + query.Trim());
        var terms = new List<QueryTerm>();
        for (int i = 1; i + 1 < parts.Length; i += 2)
        {
            double sign = parts[i] == "-" ? -1 : 1;
            string text = parts[i + 1].Trim();
            double weight = 1;
            var m = Weighted().Match(text);
            if (m.Success)
            {
                weight = double.Parse(m.Groups["w"].Value, CultureInfo.InvariantCulture);
                text = m.Groups["rest"].Value.Trim();
            }
            if (text.Length == 0) throw new Siglip2Exception($"part {terms.Count + 1} of the query '{query}' is empty");
            terms.Add(new QueryTerm(sign * weight, text, isImage(text)));
        }
        return terms;
    }

    /// <summary>The weighted sum of the terms' embeddings, L2-normalised.</summary>
    public static float[] Combine(IReadOnlyList<QueryTerm> terms, IReadOnlyList<float[]> embeddings)
    {
        var sum = new double[embeddings[0].Length];
        for (int t = 0; t < terms.Count; t++)
            for (int j = 0; j < sum.Length; j++) sum[j] += terms[t].Weight * embeddings[t][j];
        double norm = Math.Sqrt(sum.Sum(v => v * v));
        if (!(norm > 1e-12)) throw new Siglip2Exception("the query's parts cancel out (their weighted sum is zero); change the weights");
        return sum.Select(v => (float)(v / norm)).ToArray();
    }
}
