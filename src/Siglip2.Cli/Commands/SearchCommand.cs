using Siglip2.Cli.Infrastructure;
using Siglip2.Search;
using Siglip2.Tasks;

namespace Siglip2.Cli.Commands;

/// <summary>`siglip2 search`: the images of an index closest to a text, an image, or a weighted sum of both.</summary>
public sealed class SearchCommand : ICommand
{
    public string Name => "search";
    public string Summary => "search an index by text (any language), by image, or by query arithmetic";
    public string Usage => """
        usage: siglip2 search --db FILE "QUERY" [--image PATH] [--top K] [--json]

          QUERY             a text, or a sum as rclip has it: "2:golden retriever + ./pool.jpg - fruit"
                            (weights w:part; a part naming an existing file is an image)
          --image PATH      search by this image (added to the query when both are given)
          --top K           results to print (default 10)
          --exact           exact search even when the index has an ANN file (from 20,000 images on)
          --model M         the model (default: the one the index was built with)
        example: siglip2 search --db photos.db "a dog on the beach" --top 5
        """;

    public int Run(IReadOnlyList<string> args)
    {
        var a = ParsedArguments.Parse(args, ["--db", "--image", "--top", .. ModelOptions.ValueOptions], ["--exact", .. ModelOptions.FlagOptions]);
        string db = a.Required("--db", "an index built by `siglip2 index`");
        int top = a.Int("--top", 10, 1, 100_000);
        var terms = new List<QueryTerm>();
        string query = string.Join(' ', a.Positionals);
        if (query.Length > 0) terms.AddRange(SearchQuery.Parse(query));
        foreach (string image in a.All("--image"))
        {
            if (!File.Exists(image)) throw new Siglip2Exception($"--image {image}: no such file");
            terms.Add(new QueryTerm(1, image, IsImage: true));
        }
        if (terms.Count == 0) throw new UsageException("give a QUERY text or --image");

        using var store = ImageIndexStore.Open(db, create: false);
        string model = store.GetMeta("model") ?? throw new Siglip2Exception($"{db} holds no index yet; run `siglip2 index DIR --db {db}` first");
        var modelArgs = a.Optional("--model") is null ? new List<string>(args) { "--model", model } : args.ToList();
        using var pipeline = ModelOptions.Load(ParsedArguments.Parse(modelArgs, ["--db", "--image", "--top", .. ModelOptions.ValueOptions], ["--exact", .. ModelOptions.FlagOptions]));
        var rows = store.ReadAll().Where(r => r.Embedding is not null).ToList();
        var search = new ExactSearch(rows, new PipelineImageEmbedder(pipeline, model).Dimensions);

        var embeddings = new float[terms.Count][];
        var imageTerms = terms.Select((t, i) => (t, i)).Where(x => x.t.IsImage).ToList();
        if (imageTerms.Count > 0)
        {
            using var e = pipeline.EmbedImageFiles(imageTerms.Select(x => x.t.Text).ToList());
            var vectors = PipelineImageEmbedder.Rows(e);
            for (int k = 0; k < imageTerms.Count; k++) embeddings[imageTerms[k].i] = vectors[k];
        }
        var textTerms = terms.Select((t, i) => (t, i)).Where(x => !x.t.IsImage).ToList();
        if (textTerms.Count > 0)
        {
            using var e = pipeline.EmbedTexts(pipeline.TextProcessor.Process(textTerms.Select(x => x.t.Text).ToList()));
            var vectors = PipelineImageEmbedder.Rows(e);
            for (int k = 0; k < textTerms.Count; k++) embeddings[textTerms[k].i] = vectors[k];
        }
        var query1 = SearchQuery.Combine(terms, embeddings);
        var hits = (a.Flag("--exact") ? null : AnnIndex.TryTop(store, rows, query1, top)) ?? search.Top(query1, top);
        if (a.Flag("--json")) { Output.WriteJson(hits); return 0; }
        foreach (var h in hits) Console.WriteLine($"{h.Score:F4}  {h.Path}");
        if (hits.Count == 0) Console.WriteLine($"(the index {db} holds no embedded images)");
        return 0;
    }
}
