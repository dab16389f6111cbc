using System.Net;

namespace Siglip2.Server;

/// <summary>The page at <c>/</c>: a search box, an image drop zone, and a grid of results with scores (no external assets).</summary>
public static class WebPage
{
    public static string Html(string modelId, bool searchable) => $$"""
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>siglip2 search</title>
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <style>
          body { font-family: system-ui, sans-serif; margin: 2rem; background: #fafafa; color: #222; }
          header { display: flex; gap: 1rem; align-items: baseline; flex-wrap: wrap; }
          #q { font-size: 1.2rem; padding: .5rem; width: min(40rem, 90vw); }
          #drop { border: 2px dashed #aaa; padding: 1rem; margin: 1rem 0; text-align: center; color: #666; }
          #drop.over { border-color: #36c; color: #36c; }
          #grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(180px, 1fr)); gap: 1rem; }
          figure { margin: 0; background: #fff; padding: .5rem; border-radius: 6px; box-shadow: 0 1px 3px #0002; }
          figure img { width: 100%; height: 160px; object-fit: contain; }
          figcaption { font-size: .8rem; word-break: break-all; }
          .score { font-weight: bold; }
          #status { color: #666; }
        </style></head>
        <body>
        <header><h1>siglip2 search</h1><span id="model">model: {{WebUtility.HtmlEncode(modelId)}}</span><span id="size"></span></header>
        {{(searchable ? "" : "<p>This server has no index: start it with <code>--db FILE</code> (built by <code>siglip2 index</code>) to search.</p>")}}
        <form id="form"><input id="q" type="search" placeholder="Search your photos in any language…" autofocus></form>
        <div id="drop">drop an image here to search by image</div>
        <p id="status"></p>
        <div id="grid"></div>
        <script>
        const grid = document.getElementById('grid'), status = document.getElementById('status');
        function show(body) {
          document.getElementById('size').textContent = body.count + ' images';
          grid.innerHTML = '';
          for (const r of body.results) {
            const f = document.createElement('figure');
            const img = document.createElement('img'); img.src = r.thumbnail; img.alt = r.path;
            const c = document.createElement('figcaption');
            const s = document.createElement('span'); s.className = 'score'; s.textContent = r.score.toFixed(4) + ' ';
            c.append(s, document.createTextNode(r.path));
            f.append(img, c); f.className = 'result'; f.dataset.path = r.path;
            grid.append(f);
          }
          status.textContent = body.results.length + ' results';
        }
        async function run(request) {
          status.textContent = 'searching…';
          const response = await request;
          const body = await response.json();
          if (!response.ok) { status.textContent = body.error.message; return; }
          show(body);
        }
        document.getElementById('form').addEventListener('submit', e => {
          e.preventDefault();
          run(fetch('/search?k=24&q=' + encodeURIComponent(document.getElementById('q').value)));
        });
        const drop = document.getElementById('drop');
        drop.addEventListener('dragover', e => { e.preventDefault(); drop.classList.add('over'); });
        drop.addEventListener('dragleave', () => drop.classList.remove('over'));
        drop.addEventListener('drop', e => {
          e.preventDefault(); drop.classList.remove('over');
          const file = e.dataTransfer.files[0];
          if (file) run(fetch('/search?k=24', { method: 'POST', body: file }));
        });
        </script>
        </body></html>
        """;
}
